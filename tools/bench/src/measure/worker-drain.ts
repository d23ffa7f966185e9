import { createOrderQueue, ORDER_JOB_NAME, type RedisClient } from "@orderhook/queue";
import { buildOrderJob, type Fixture } from "@orderhook/testing";

import type { Sql } from "postgres";
import { v7 as uuidv7 } from "uuid";

const BULK_SIZE = 1_000;

/** Puts `count` valid order jobs on the queue, as the receiver would, spread over the seeded webhooks. */
export async function prefillQueue(
  redis: RedisClient,
  prefix: string,
  seeded: Fixture[],
  count: number,
  tag: string,
): Promise<void> {
  const queue = createOrderQueue(redis, prefix);
  try {
    for (let start = 0; start < count; start += BULK_SIZE) {
      const jobs: Parameters<typeof queue.addBulk>[0] = [];
      for (let n = start; n < Math.min(count, start + BULK_SIZE); n++) {
        // UUIDv7 ids, as the receiver gives them: the orders index sees the same locality.
        const data = buildOrderJob(
          seeded[n % seeded.length]!,
          { ticker: "AAPL", action: "buy", quantity: 1, comment: `${tag}-${n}` },
          { orderId: uuidv7() },
        );
        jobs.push({ name: ORDER_JOB_NAME, data, opts: { jobId: data.orderId } });
      }
      await queue.addBulk(jobs);
    }
  } finally {
    await queue.close();
  }
}

export interface DrainRate {
  rows: number;
  /** From the first row's transaction start to the last row written. */
  seconds: number;
  ordersPerSecond: number;
}

/** Throughput as Postgres saw it, so the worker's start-up time is not counted. */
export async function drainRate(sql: Sql, userIds: string[]): Promise<DrainRate> {
  const [row] = await sql<{ n: number; seconds: string | null }[]>`
    select count(*)::int as n,
      extract(epoch from max(greatest(created_at, coalesce(processed_at, created_at))) - min(created_at)) as seconds
    from orders where user_id = any(${userIds}::uuid[])`;
  const rows = row?.n ?? 0;
  const seconds = Number(row?.seconds ?? 0);
  return { rows, seconds, ordersPerSecond: seconds > 0 ? Math.round(rows / seconds) : 0 };
}
