import { setTimeout as sleep } from "node:timers/promises";
import type { AppProcess } from "@orderhook/testing";
import type { LoadResult } from "../load/load-spec";
import { TARGET_RATE } from "../phases/bench-context";
import { seedWebhooks, webhookPaths } from "../setup/seed-webhooks";
import { startReceiver } from "../targets/orderhook-apps";
import { withCpuPerAnswer } from "../targets/process-cpu";
import { processTree } from "../targets/process-tree";
import type { ScaleContext } from "./scale-context";
import type { ReceiverPhaseResult } from "./scale-results";

export interface ReceiverPhaseSpec {
  name: string;
  webConcurrency: number;
  /** More receiver settings (e.g. REDIS_WAIT_REPLICAS for its cost on the ack). */
  env?: Record<string, string>;
}

/**
 * The receiver alone (no worker: acks only) with `webConcurrency` processes: the open loop at
 * 1,000 req/s for latency, then the closed loop for its peak, with the CPU of the supervisor
 * and all its children counted as the receiver's.
 */
export async function receiverPhase(
  ctx: ScaleContext,
  spec: ReceiverPhaseSpec,
): Promise<ReceiverPhaseResult> {
  const { options } = ctx;
  const seeded = await seedWebhooks(ctx.db, { users: options.users, rateLimitPerSecond: 1_000_000 });
  const env = {
    databaseUrl: ctx.databaseUrl,
    redisUrl: ctx.redisUrl,
    queuePrefix: `${options.queuePrefix}-${spec.name}`,
  };
  ctx.log(`${spec.name}: receiver with WEB_CONCURRENCY=${spec.webConcurrency}`);
  const receiver = await startReceiver(env, [], {
    WEB_CONCURRENCY: String(spec.webConcurrency),
    ...spec.env,
  });
  try {
    await untilChildren(receiver, spec.webConcurrency);
    const tree = processTree(receiver.pid);
    const target = {
      origin: receiver.origin,
      paths: webhookPaths(seeded),
      tag: `${spec.name}-${options.runId}`,
    };
    const memoryBefore = await usedMemory(ctx);
    const open = await ctx.generator.run({
      kind: "open",
      target: { ...target, tag: `${target.tag}-o` },
      rate: TARGET_RATE,
      warmupMs: options.warmupMs,
      durationMs: options.durationMs,
      maxConnections: options.openConnections,
      drainTimeoutMs: options.drainTimeoutMs,
    });
    await ctx.postgres.refresh();
    const closed = await withCpuPerAnswer(
      { receiver: tree, ...ctx.services, generator: ctx.generator.pid },
      () =>
        ctx.generator.run({
          kind: "closed",
          target: { ...target, tag: `${target.tag}-c` },
          connections: options.connections,
          warmupMs: options.closedWarmupMs,
          durationMs: options.closedDurationMs,
          drainTimeoutMs: options.drainTimeoutMs,
        }),
    );
    const acks = open.acks.length + closed.acks.length;
    const memoryAfter = await usedMemory(ctx);
    return {
      kind: "receiver",
      name: spec.name,
      webConcurrency: spec.webConcurrency,
      peakAcksPerSecond: Math.round(closed.throughput),
      connections: options.connections,
      rate: TARGET_RATE,
      p50Ms: round(open.latency.p50),
      p99Ms: round(open.latency.p99),
      cpuUsPerAck: closed.cpuUsPerAnswer,
      redisBytesPerJob: acks > 0 ? Math.round((memoryAfter - memoryBefore) / acks) : null,
      refused: refusals([open, closed]),
    };
  } finally {
    await receiver.stop();
  }
}

/**
 * Waits until the supervisor has its children and gives them a moment to listen: a keep-alive
 * connection stays with the child that took it, so load that starts while only one child
 * listens would all stay on that one.
 */
export async function untilChildren(receiver: AppProcess, children: number): Promise<void> {
  if (children <= 1) return;
  const tree = processTree(receiver.pid);
  await receiver.waitFor(async () => tree().length >= children + 1, 30_000, `${children} receiver processes`);
  await sleep(3_000);
  await receiver.waitUntilReady();
}

async function usedMemory(ctx: ScaleContext): Promise<number> {
  return Number(/used_memory:(\d+)/.exec(await ctx.redis.info("memory"))?.[1] ?? 0);
}

function refusals(results: LoadResult[]): Record<string, number> {
  const refused: Record<string, number> = {};
  for (const result of results) {
    for (const [outcome, count] of Object.entries(result.outcomes)) {
      if (!/^2\d\d/.test(outcome)) refused[outcome] = (refused[outcome] ?? 0) + count;
    }
  }
  return refused;
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
