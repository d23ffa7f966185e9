import { clusterDrainPhase, waitReplicasPhase } from "./cluster-phases";
import { drainPhase } from "./drain-phase";
import { receiverPhase } from "./receiver-phase";
import type { ScaleContext } from "./scale-context";
import type { ScalePhaseResult } from "./scale-results";

export interface ScalePhase {
  name: string;
  /** One line for the report: what grows in this phase. */
  what: string;
  /** Null: the phase needs settings this checkout does not have yet (`needs` says which). */
  run: ((ctx: ScaleContext) => Promise<ScalePhaseResult>) | null;
  needs?: string;
}

/**
 * `pnpm bench --scale`, in order. A phase reuses `drainPhase` (N workers drain a pre-filled
 * queue) or `receiverPhase` (acks only, WEB_CONCURRENCY processes) with the settings it grows;
 * the shards phases drain on a throwaway Redis Cluster, and `wait-replicas-1` is `receiver-1`
 * with a replica attached and every ack waiting for it.
 */
export const SCALE_PHASES: ScalePhase[] = [
  {
    name: "drain-1",
    what: "1 worker process",
    run: (ctx) => drainPhase(ctx, { name: "drain-1", workers: 1 }),
  },
  {
    name: "drain-2",
    what: "2 worker processes",
    run: (ctx) => drainPhase(ctx, { name: "drain-2", workers: 2 }),
  },
  {
    name: "drain-4",
    what: "4 worker processes",
    run: (ctx) => drainPhase(ctx, { name: "drain-4", workers: 4 }),
  },
  {
    name: "drain-1-pgbouncer",
    what: "1 worker through PgBouncer (transaction mode)",
    run: (ctx) => drainPhase(ctx, { name: "drain-1-pgbouncer", workers: 1, pgbouncer: true }),
  },
  {
    name: "receiver-1",
    what: "receiver, WEB_CONCURRENCY=1",
    run: (ctx) => receiverPhase(ctx, { name: "receiver-1", webConcurrency: 1 }),
  },
  {
    name: "receiver-2",
    what: "receiver, WEB_CONCURRENCY=2",
    run: (ctx) => receiverPhase(ctx, { name: "receiver-2", webConcurrency: 2 }),
  },
  {
    name: "shards-1",
    what: "drain, 2 workers, Redis Cluster of 3 masters, QUEUE_SHARDS=1",
    run: (ctx) => clusterDrainPhase(ctx, { name: "shards-1", shards: 1, workers: 2 }),
  },
  {
    name: "shards-3",
    what: "drain, 2 workers, Redis Cluster of 3 masters, QUEUE_SHARDS=3",
    run: (ctx) => clusterDrainPhase(ctx, { name: "shards-3", shards: 3, workers: 2 }),
  },
  {
    name: "wait-replicas-1",
    what: "receiver, REDIS_WAIT_REPLICAS=1 (one replica attached)",
    run: (ctx) => waitReplicasPhase(ctx, "wait-replicas-1"),
  },
];

/** Runs the phases in order; a phase that fails is reported as skipped with its error, the rest still run. */
export async function runScalePhases(ctx: ScaleContext, phases = SCALE_PHASES): Promise<ScalePhaseResult[]> {
  const results: ScalePhaseResult[] = [];
  for (const phase of phases) {
    if (phase.run === null) {
      results.push({
        kind: "skipped",
        name: phase.name,
        reason: `needs ${phase.needs ?? "settings not present"}`,
      });
      continue;
    }
    try {
      results.push(await phase.run(ctx));
    } catch (error) {
      ctx.log(`${phase.name}: failed: ${(error as Error).message}`);
      results.push({
        kind: "skipped",
        name: phase.name,
        reason: `failed: ${(error as Error).message.split("\n")[0]}`,
      });
    }
  }
  return results;
}
