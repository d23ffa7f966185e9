import { OrderhookError } from "@orderhook/errors";
import type { OrderQueue } from "@orderhook/queue";
import type { RetryOptions } from "bullmq";

/** A replayed job gets its full retry budget again, not the one attempt left over. */
const FRESH_ATTEMPTS: RetryOptions = { resetAttemptsMade: true, resetAttemptsStarted: true };

function shardQueues(queues: OrderQueue | readonly OrderQueue[]): readonly OrderQueue[] {
  return Array.isArray(queues) ? queues : [queues as OrderQueue];
}

/**
 * Moves one failed job back to waiting, on whichever shard holds it; the worker's idempotent
 * write makes a replay safe.
 */
export async function retryFailedJob(
  queues: OrderQueue | readonly OrderQueue[],
  jobId: string,
): Promise<void> {
  let job: Awaited<ReturnType<OrderQueue["getJob"]>>;
  for (const queue of shardQueues(queues)) {
    job = await queue.getJob(jobId);
    if (job) break;
  }
  if (!job) throw new OrderhookError("not_found", { detail: `no job with id ${jobId} in the order queue` });
  const state = await job.getState();
  if (state !== "failed") {
    throw new OrderhookError("conflict", { detail: `job ${jobId} is ${state}, not failed` });
  }
  await job.retry("failed", FRESH_ATTEMPTS);
}

/** Moves every failed job of every shard back to waiting and says how many there were. */
export async function retryAllFailedJobs(queues: OrderQueue | readonly OrderQueue[]): Promise<number> {
  let retried = 0;
  for (const queue of shardQueues(queues)) retried += await retryAllOf(queue);
  return retried;
}

async function retryAllOf(queue: OrderQueue): Promise<number> {
  let retried = 0;
  for (;;) {
    // Retried jobs leave the failed set, so the first page is always the next one.
    const jobs = await queue.getFailed(0, 499);
    if (jobs.length === 0) return retried;
    for (const job of jobs) {
      try {
        await job.retry("failed", FRESH_ATTEMPTS);
        retried += 1;
      } catch (error) {
        // Retried concurrently by someone else, or removed: either way it is no longer ours to move.
        if ((await job.getState()) === "failed") throw error;
      }
    }
  }
}
