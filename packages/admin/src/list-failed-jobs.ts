import type { OrderQueue } from "@orderhook/queue";

export interface FailedJob {
  id: string;
  failedReason: string;
  attemptsMade: number;
  failedAt: Date | null;
  /** The queue shard it failed on (0 with one shard). */
  shard: number;
  userId: string | null;
  ticker: string | null;
  action: string | null;
}

/** The order queue's failed set (jobs that exhausted their retries) over every shard, newest first. */
export async function listFailedJobs(
  queues: OrderQueue | readonly OrderQueue[],
  limit = 100,
): Promise<{ total: number; jobs: FailedJob[] }> {
  const shards: readonly OrderQueue[] = Array.isArray(queues) ? queues : [queues as OrderQueue];
  const perShard = await Promise.all(
    shards.map(async (queue, shard) => {
      const [total, jobs] = await Promise.all([queue.getFailedCount(), queue.getFailed(0, limit - 1)]);
      return { total, jobs: jobs.map((job) => ({ job, shard })) };
    }),
  );
  const jobs = perShard
    .flatMap((one) => one.jobs)
    .sort((a, b) => (b.job.finishedOn ?? 0) - (a.job.finishedOn ?? 0))
    .slice(0, limit);
  return {
    total: perShard.reduce((sum, one) => sum + one.total, 0),
    jobs: jobs.map(({ job, shard }) => ({
      id: String(job.id),
      failedReason: job.failedReason,
      attemptsMade: job.attemptsMade,
      failedAt: job.finishedOn ? new Date(job.finishedOn) : null,
      shard,
      // Data in Redis is not trusted to have the current shape.
      userId: typeof job.data?.userId === "string" ? job.data.userId : null,
      ticker: typeof job.data?.alert?.ticker === "string" ? job.data.alert.ticker : null,
      action: typeof job.data?.alert?.action === "string" ? job.data.alert.action : null,
    })),
  };
}
