import type { DrainResult } from "../bench-results";
import { waitForOrders } from "../measure/order-rows";
import { drainRate, prefillQueue } from "../measure/worker-drain";
import { seedWebhooks } from "../setup/seed-webhooks";
import { orderhookEnv, startWorker } from "../targets/orderhook-apps";
import { cpuPerItem } from "../targets/process-cpu";
import type { BenchContext } from "./bench-context";

/** One worker process, a queue pre-filled with valid jobs (no receiver), orders/s into Postgres. */
export async function benchWorkerDrain(ctx: BenchContext): Promise<DrainResult> {
  const { options } = ctx;
  const seeded = await seedWebhooks(ctx.db, {
    users: 4,
    rateLimitPerSecond: 1_000_000,
  });
  const userIds = seeded.map((s) => s.userId);
  const prefix = `${options.queuePrefix}-drain`;
  ctx.log(`worker drain: pre-filling ${options.drainJobs} jobs`);
  await prefillQueue(ctx.redis, prefix, seeded, options.drainJobs, `drain-${options.runId}`);
  ctx.log("worker drain: one worker process");
  const worker = await startWorker({ ...orderhookEnv(ctx), queuePrefix: prefix }, options.profileNodeArgs);
  // Start-up included: the worker has nothing else to do, and its boot is a few ms of CPU.
  let cpuUsPerOrder: Record<string, number>;
  try {
    cpuUsPerOrder = await cpuPerItem({ worker: worker.pid, ...ctx.services }, async () => {
      await waitForOrders(ctx.sql, userIds, options.drainJobs, { timeoutMs: 120_000, stallMs: 10_000 });
      return options.drainJobs;
    });
  } finally {
    await worker.stop();
  }
  const rate = await drainRate(ctx.sql, userIds);
  return {
    jobs: options.drainJobs,
    ...rate,
    workerCpuUsPerOrder: cpuUsPerOrder.worker ?? null,
    cpuUsPerOrder,
  };
}
