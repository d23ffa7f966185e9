import { setTimeout as sleep } from "node:timers/promises";
import { type FloodResults, phaseResult } from "../bench-results";
import { LoadGeneratorClient } from "../load/load-generator-client";
import type { LoadResult, OpenLoopSpec } from "../load/load-spec";
import { postgresTransactions } from "../measure/postgres-transactions";
import { randomTokenPaths } from "../setup/random-token-paths";
import { seedWebhooks, webhookPaths } from "../setup/seed-webhooks";
import { orderhookEnv, startReceiver } from "../targets/orderhook-apps";
import { cpuPerItem } from "../targets/process-cpu";
import type { BenchContext } from "./bench-context";

/**
 * A real sender's alerts at FLOOD_REAL_RATE beside a flood of well-formed random tokens at
 * `floodRate`, against the same sender alone; the worker is not running (acks only). Reports the
 * sender's latency in both and the Postgres transactions the flood cost (pg_stat_database of the
 * bench's own database, the quiet phase's subtracted). The flood comes from a second generator
 * process, so the sender's timing is not measured on the flood's event loop.
 */
export async function benchFlood(ctx: BenchContext): Promise<FloodResults> {
  const { options } = ctx;
  const seeded = await seedWebhooks(ctx.db, {
    users: 1,
    rateLimitPerSecond: 1_000_000,
  });
  // Idle Postgres connections close after 1 s, and a closing backend reports its counts at once:
  // the reading after each phase then holds everything the phase cost.
  const receiver = await startReceiver(orderhookEnv(ctx), options.profileNodeArgs, {
    DB_IDLE_TIMEOUT_SECONDS: "1",
  });
  const flooder = new LoadGeneratorClient();
  const transactions = postgresTransactions(ctx.databaseUrl);
  try {
    const real = (tag: string): OpenLoopSpec => ({
      kind: "open",
      target: { origin: receiver.origin, paths: webhookPaths(seeded), tag: `flood-${options.runId}-${tag}` },
      rate: options.floodRealRate,
      warmupMs: options.warmupMs,
      durationMs: options.floodDurationMs,
      maxConnections: 16,
      drainTimeoutMs: options.drainTimeoutMs,
    });
    const floodCount = Math.round((options.floodRate * (options.warmupMs + options.floodDurationMs)) / 1000);
    const floodSpec: OpenLoopSpec = {
      kind: "open",
      target: {
        origin: receiver.origin,
        paths: randomTokenPaths(floodCount),
        tag: `flood-${options.runId}-x`,
      },
      rate: options.floodRate,
      warmupMs: options.warmupMs,
      durationMs: options.floodDurationMs,
      maxConnections: 64,
      drainTimeoutMs: options.drainTimeoutMs,
      realtime: false,
    };
    const answered = (results: LoadResult[]) =>
      results.reduce((n, r) => n + Object.values(r.outcomes).reduce((a, b) => a + b, 0), 0);
    /** Runs the phase between two readings of the transaction count, and the receiver's CPU per request. */
    const measured = async (run: () => Promise<LoadResult[]>) => {
      await sleep(2_000);
      const before = await transactions.count();
      let results: LoadResult[] = [];
      const cpu = await cpuPerItem({ receiver: receiver.pid }, async () => {
        results = await run();
        return answered(results);
      });
      await sleep(2_000);
      return { results, spent: (await transactions.count()) - before, cpuUs: cpu.receiver ?? null };
    };

    ctx.log(
      `flood: real sender alone, ${options.floodRealRate} req/s for ${options.floodDurationMs / 1000} s`,
    );
    const quiet = await measured(async () => [await ctx.generator.run(real("quiet"))]);
    ctx.log(
      `flood: real sender at ${options.floodRealRate} req/s beside ${options.floodRate} req/s of random tokens`,
    );
    const flooded = await measured(() =>
      Promise.all([ctx.generator.run(real("flooded")), flooder.run(floodSpec)]),
    );
    const [alone] = quiet.results as [LoadResult];
    const [withFlood, flood] = flooded.results as [LoadResult, LoadResult];
    const floodRequests = answered([flood]);
    const extra = Math.max(0, flooded.spent - quiet.spent);
    const quietP99 = alone.latency.p99;
    return {
      realRate: options.floodRealRate,
      floodRate: options.floodRate,
      durationMs: options.floodDurationMs,
      quiet: phaseResult(alone, "paused"),
      flooded: phaseResult(withFlood, "paused"),
      flood: phaseResult(flood, null),
      p99Ratio: quietP99 > 0 ? Math.round((withFlood.latency.p99 / quietP99) * 100) / 100 : null,
      postgres: {
        quietTransactions: quiet.spent,
        floodedTransactions: flooded.spent,
        floodRequests,
        perFloodRequest: floodRequests > 0 ? Math.round((extra / floodRequests) * 10_000) / 10_000 : null,
      },
      receiverCpuUsPerRequest: { quiet: quiet.cpuUs, flooded: flooded.cpuUs },
    };
  } finally {
    flooder.close();
    await transactions.close();
    await receiver.stop();
  }
}
