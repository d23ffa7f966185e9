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
  scalePhase("drain-1", "1 worker process", drainPhase, { workers: 1 }),
  scalePhase("drain-2", "2 worker processes", drainPhase, { workers: 2 }),
  scalePhase("drain-4", "4 worker processes", drainPhase, { workers: 4 }),
  scalePhase("drain-1-pgbouncer", "1 worker through PgBouncer (transaction mode)", drainPhase, {
    workers: 1,
    pgbouncer: true,
  }),
  scalePhase("receiver-1", "receiver, WEB_CONCURRENCY=1", receiverPhase, { webConcurrency: 1 }),
  scalePhase("receiver-2", "receiver, WEB_CONCURRENCY=2", receiverPhase, { webConcurrency: 2 }),
  scalePhase("shards-1", "drain, 2 workers, Redis Cluster of 3 masters, QUEUE_SHARDS=1", clusterDrainPhase, {
    shards: 1,
    workers: 2,
  }),
  scalePhase("shards-3", "drain, 2 workers, Redis Cluster of 3 masters, QUEUE_SHARDS=3", clusterDrainPhase, {
    shards: 3,
    workers: 2,
  }),
  scalePhase(
    "wait-replicas-1",
    "receiver, REDIS_WAIT_REPLICAS=1 (one replica attached)",
    waitReplicasPhase,
    {},
  ),
];

/** The phase `name`: `run` with the phase's name added to `spec`. */
function scalePhase<S extends { name: string }>(
  name: string,
  what: string,
  run: (ctx: ScaleContext, spec: S) => Promise<ScalePhaseResult>,
  spec: Omit<S, "name">,
): ScalePhase {
  return { name, what, run: (ctx) => run(ctx, { ...spec, name } as S) };
}

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
