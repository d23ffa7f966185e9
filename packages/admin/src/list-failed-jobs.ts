import type { OrderQueue } from "@orderhook/queue";

export interface FailedJob {
  id: string;
  failedReason: string;
  attemptsMade: number;
  failedAt: Date | null;
  userId: string | null;
  ticker: string | null;
  action: string | null;
}

/** The order queue's failed set (jobs that exhausted their retries), newest first. */
export async function listFailedJobs(
  queue: OrderQueue,
  limit = 100,
): Promise<{ total: number; jobs: FailedJob[] }> {
  const [total, jobs] = await Promise.all([queue.getFailedCount(), queue.getFailed(0, limit - 1)]);
  return {
    total,
    jobs: jobs.map((job) => ({
      id: String(job.id),
      failedReason: job.failedReason,
      attemptsMade: job.attemptsMade,
      failedAt: job.finishedOn ? new Date(job.finishedOn) : null,
      // Data in Redis is not trusted to have the current shape.
      userId: typeof job.data?.userId === "string" ? job.data.userId : null,
      ticker: typeof job.data?.alert?.ticker === "string" ? job.data.alert.ticker : null,
      action: typeof job.data?.alert?.action === "string" ? job.data.alert.action : null,
    })),
  };
}
