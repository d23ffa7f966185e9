import { retryFailedJob } from "@orderhook/admin";
import { createDbClient, orders } from "@orderhook/db";
import { ORDER_QUEUE_NAME, orderJobOptions } from "@orderhook/queue";
import { buildOrderJob, FaultProxy, testDatabaseUrl, uniquePrefix, waitUntil } from "@orderhook/testing";
import { Worker } from "bullmq";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { workerTestContext } from "../test/worker-test-context";
import { createOrderWriter } from "./order-writer";
import { createOwnerCache } from "./owner-cache";
import { createOrderProcessor } from "./process-order";

const t = workerTestContext();
const { client, redis, logger, enqueue } = t;

describe("exhausted retries", () => {
  it("mark the order failed with the last error, and `jobs retry` turns it accepted without a second row", async () => {
    // Ownership lookups go through a connection that is down; the row writes do not, so
    // the failed row can be recorded (when all of Postgres is down, only the failed job keeps the error).
    const target = new URL(testDatabaseUrl());
    const proxy = await FaultProxy.start({
      target: { host: target.hostname, port: Number(target.port || 5432) },
    });
    const lookups = createDbClient({
      url: proxy.url(testDatabaseUrl()),
      max: 2,
      applicationName: "orderhook-worker-test",
    });
    await proxy.down();
    const prefix = uniquePrefix("exhausted");
    const { fixture } = t;
    const job = buildOrderJob(fixture);
    const queue = await enqueue(prefix, [job], orderJobOptions({ attempts: 3, backoffMs: 10 }));
    const writer = createOrderWriter({ sql: client.sql, maxBatchSize: 10, maxWaitMs: 1 });
    const processor = createOrderProcessor({
      writer,
      owners: createOwnerCache({ sql: lookups.sql, ttlMs: 0 }),
      logger,
      maxAttempts: 12,
    });
    const worker = new Worker(ORDER_QUEUE_NAME, processor, { connection: redis, prefix, concurrency: 2 });
    try {
      const failedReason = await waitUntil(
        async () =>
          (await queue.getJobState(job.orderId)) === "failed"
            ? (await queue.getJob(job.orderId))?.failedReason
            : undefined,
        () => queue.getJobState(job.orderId),
      );
      const [failed] = await client.db.select().from(orders).where(eq(orders.id, job.orderId));
      expect(failed, JSON.stringify(failed)).toMatchObject({
        status: "failed",
        reason: expect.stringMatching(/^transient: /),
      });
      expect((await queue.getJob(job.orderId))?.attemptsMade).toBe(3);
      expect(failed!.reason).toContain(failedReason);

      await proxy.up();
      await retryFailedJob(queue, job.orderId);
      await waitUntil(
        async () => ((await queue.getJobState(job.orderId)) === "completed" ? true : undefined),
        () => queue.getJobState(job.orderId),
      );
      const rows = await client.db.select().from(orders).where(eq(orders.id, job.orderId));
      expect(rows).toEqual([expect.objectContaining({ status: "accepted", reason: null })]);
    } finally {
      await worker.close();
      await writer.flush();
      await lookups.close();
      await proxy.close();
    }
  });
});
