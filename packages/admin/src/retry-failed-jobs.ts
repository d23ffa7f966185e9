import { OrderhookError } from "@orderhook/errors";
import type { OrderQueue } from "@orderhook/queue";

/** Moves one failed job back to waiting; the worker's idempotent write makes a replay safe. */
export async function retryFailedJob(queue: OrderQueue, jobId: string): Promise<void> {
  const job = await queue.getJob(jobId);
  if (!job) throw new OrderhookError("not_found", { detail: `no job with id ${jobId} in the order queue` });
  const state = await job.getState();
  if (state !== "failed") {
    throw new OrderhookError("conflict", { detail: `job ${jobId} is ${state}, not failed` });
  }
  await job.retry("failed");
}

/** Moves every failed job back to waiting and says how many there were. */
export async function retryAllFailedJobs(queue: OrderQueue): Promise<number> {
  const before = await queue.getFailedCount();
  if (before === 0) return 0;
  await queue.retryJobs({ state: "failed", count: 1_000 });
  const after = await queue.getFailedCount();
  return Math.max(0, before - after);
}
