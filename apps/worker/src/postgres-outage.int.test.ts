import { createDbClient, orders } from "@orderhook/db";
import { createLogger } from "@orderhook/observability";
import { createOrderQueue, createRedis, ORDER_JOB_NAME, orderJobOptions } from "@orderhook/queue";
import {
  buildOrderJob,
  createFixture,
  testDatabaseUrl,
  testRedisUrl,
  uniquePrefix,
  waitUntil,
} from "@orderhook/testing";
import { inArray } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { createWorker } from "./create-worker";
import { createTcpProxy } from "./tcp-proxy";

const direct = createDbClient({ url: testDatabaseUrl(), max: 2, applicationName: "orderhook-worker-test" });
const redis = createRedis(testRedisUrl(), { maxRetriesPerRequest: null });

afterAll(async () => {
  await direct.close();
  redis.disconnect();
});

describe("a Postgres outage", () => {
  it("keeps every order through the outage and writes each exactly once when Postgres is back", async () => {
    const target = new URL(testDatabaseUrl());
    const proxy = await createTcpProxy(target.hostname, Number(target.port || 5432));
    const proxied = new URL(target);
    proxied.host = `127.0.0.1:${proxy.port}`;
    const pool = createDbClient({
      url: proxied.toString(),
      max: 4,
      applicationName: "orderhook-worker-outage-test",
      connectTimeoutSeconds: 2,
    });
    const prefix = uniquePrefix("pg-outage");
    const queue = createOrderQueue(redis, prefix);
    const fixture = await createFixture(direct.db);
    const jobs = Array.from({ length: 300 }, () => buildOrderJob(fixture));
    const ids = jobs.map((j) => j.orderId);
    const worker = createWorker({
      connection: redis,
      prefix,
      sql: pool.sql,
      logger: createLogger({ name: "worker-test", level: "silent" }),
      settings: {
        concurrency: 20,
        batchMaxSize: 10,
        batchMaxWaitMs: 5,
        maxAttempts: 50,
        lockDurationMs: 30_000,
        stalledIntervalMs: 30_000,
        maxStalledCount: 5,
        ownerCacheTtlMs: 0,
      },
    });
    try {
      await queue.addBulk(
        jobs.map((data) => ({
          name: ORDER_JOB_NAME,
          data,
          opts: { ...orderJobOptions({ attempts: 50, backoffMs: 20 }), jobId: data.orderId },
        })),
      );
      const countRows = async () =>
        (await direct.db.select({ id: orders.id }).from(orders).where(inArray(orders.id, ids))).length;
      // Cut Postgres off mid-drain, with batches in flight.
      await waitUntil(
        async () => ((await countRows()) > 20 ? true : undefined),
        async () => `rows: ${await countRows()}`,
      );
      proxy.down();
      await waitUntil(
        async () => ((await queue.getDelayedCount()) > 0 ? true : undefined),
        async () => JSON.stringify(await queue.getJobCounts()),
      );
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(await countRows(), "nothing is written while Postgres is unreachable").toBeLessThan(300);
      proxy.up();

      await waitUntil(
        async () => ((await queue.getCompletedCount()) === 300 ? true : undefined),
        async () => JSON.stringify(await queue.getJobCounts()),
        60_000,
      );
      const rows = await direct.db
        .select({ id: orders.id, status: orders.status })
        .from(orders)
        .where(inArray(orders.id, ids));
      expect(rows).toHaveLength(300);
      expect(new Set(rows.map((r) => r.status))).toEqual(new Set(["accepted"]));
      expect(await queue.getFailedCount()).toBe(0);
      const retried = (await queue.getCompleted(0, 299)).filter((j) => j.attemptsMade > 0);
      expect(retried.length, "some jobs went through a retry").toBeGreaterThan(0);
    } finally {
      await worker.close();
      await queue.close();
      await pool.close();
      await proxy.close();
    }
  }, 120_000);
});
