import { fileURLToPath } from "node:url";
import { createDbClient, orders } from "@orderhook/db";
import { createLogger } from "@orderhook/observability";
import { createOrderQueue, createRedis, ORDER_JOB_NAME, orderJobOptions } from "@orderhook/queue";
import {
  buildOrderJob,
  createFixture,
  FaultProxy,
  freePort,
  testDatabaseUrl,
  testRedisUrl,
  uniquePrefix,
  waitUntil,
} from "@orderhook/testing";
import { inArray } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { createWorker } from "./create-worker";
import { type SpawnedMain, spawnMain } from "./spawn-main";

const MAIN = fileURLToPath(new URL("./main.ts", import.meta.url));
const client = createDbClient({ url: testDatabaseUrl(), max: 4, applicationName: "orderhook-worker-test" });
const redis = createRedis(testRedisUrl(), { maxRetriesPerRequest: null });

afterAll(async () => {
  await client.close();
  redis.disconnect();
});

function spawnWorker(prefix: string, env: Record<string, string> = {}): SpawnedMain {
  return spawnMain(MAIN, {
    DATABASE_URL: testDatabaseUrl(),
    REDIS_URL: testRedisUrl(),
    QUEUE_PREFIX: prefix,
    METRICS_PORT: "0",
    METRICS_HOST: "127.0.0.1",
    LOG_LEVEL: "info",
    ...env,
  });
}

describe("the worker process", () => {
  it("killed with SIGKILL mid-batch, leaves every acked order with exactly one row after stalled-job recovery", async () => {
    const prefix = uniquePrefix("sigkill");
    const queue = createOrderQueue(redis, prefix);
    const fixture = await createFixture(client.db);
    const jobs = Array.from({ length: 1_500 }, () => buildOrderJob(fixture));
    const ids = jobs.map((j) => j.orderId);
    for (let i = 0; i < jobs.length; i += 1_000) {
      await queue.addBulk(
        jobs.slice(i, i + 1_000).map((data) => ({
          name: ORDER_JOB_NAME,
          data,
          opts: { ...orderJobOptions(), jobId: data.orderId },
        })),
      );
    }
    const countRows = async () =>
      (await client.db.select({ id: orders.id }).from(orders).where(inArray(orders.id, ids))).length;

    // Slow batches keep many jobs active and many rows in flight when the kill lands: the first
    // worker reaches Postgres through a proxy that holds every packet 100 ms. (Its two lanes
    // share each INSERT, so between batches there is a moment with no job active at all.)
    const target = new URL(testDatabaseUrl());
    const proxy = await FaultProxy.start({
      target: { host: target.hostname, port: Number(target.port || 5432) },
    });
    proxy.setLatency(100);
    const proxied = new URL(target);
    proxied.host = `${proxy.host}:${proxy.port}`;
    const first = spawnWorker(prefix, {
      DATABASE_URL: proxied.toString(),
      LOCK_DURATION_MS: "2000",
      // The stalled check is throttled queue-wide by whichever worker ran it last, with its own interval.
      STALLED_INTERVAL_MS: "1000",
      BATCH_MAX_WAIT_MS: "50",
      WORKER_CONCURRENCY: "100",
    });
    try {
      await waitUntil(
        async () => ((await countRows()) > 100 && (await queue.getActiveCount()) > 0 ? true : undefined),
        async () => `rows: ${await countRows()}; worker output: ${first.output()}`,
        60_000,
      );
      first.child.kill("SIGKILL");
      expect((await first.exited()).signal).toBe("SIGKILL");
    } finally {
      await proxy.close();
    }
    const orphaned = await queue.getActiveCount();

    const recovery = createWorker({
      connection: redis,
      prefix,
      sql: client.sql,
      logger: createLogger({ name: "worker-test", level: "silent" }),
      settings: {
        concurrency: 100,
        batchMaxSize: 500,
        batchMaxWaitMs: 5,
        maxAttempts: 12,
        lockDurationMs: 2_000,
        stalledIntervalMs: 1_000,
        maxStalledCount: 5,
        ownerCacheTtlMs: 5_000,
      },
    });
    try {
      await waitUntil(
        async () => ((await queue.getCompletedCount()) === jobs.length ? true : undefined),
        async () => `${JSON.stringify(await queue.getJobCounts())}, ${orphaned} active at the kill`,
        90_000,
      );
    } finally {
      await recovery.close();
    }
    const rows = await client.db
      .select({ id: orders.id, status: orders.status })
      .from(orders)
      .where(inArray(orders.id, ids));
    expect(rows).toHaveLength(jobs.length);
    expect(rows.every((r) => r.status === "accepted")).toBe(true);
    expect(orphaned, "jobs were active when the worker died").toBeGreaterThan(0);
    expect(await queue.getFailedCount()).toBe(0);
    await queue.close();
  }, 180_000);

  it("serves job, batch and queue metrics while draining; on SIGTERM stops taking jobs, finishes the active ones, exits 0", async () => {
    const prefix = uniquePrefix("sigterm");
    const queue = createOrderQueue(redis, prefix);
    const fixture = await createFixture(client.db);
    const jobs = Array.from({ length: 2_000 }, () => buildOrderJob(fixture));
    await queue.addBulk(
      jobs.map((data) => ({
        name: ORDER_JOB_NAME,
        data,
        opts: { ...orderJobOptions(), jobId: data.orderId },
      })),
    );
    const metricsPort = await freePort();
    const worker = spawnWorker(prefix, {
      BATCH_MAX_WAIT_MS: "50",
      WORKER_CONCURRENCY: "100",
      METRICS_PORT: String(metricsPort),
    });
    await waitUntil(
      async () => ((await queue.getCompletedCount()) > 50 ? true : undefined),
      async () => `${JSON.stringify(await queue.getJobCounts())}; worker output: ${worker.output()}`,
      60_000,
    );
    const scrape = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    const metrics = await scrape.text();
    expect(metrics, metrics).toMatch(/^orderhook_worker_jobs_total\{outcome="accepted",code=""\} [1-9]/m);
    expect(metrics).toMatch(/^orderhook_queue_jobs\{state="waiting"\} \d+/m);
    expect(metrics).toMatch(/^orderhook_worker_batch_size_count [1-9]/m);
    expect(metrics).toMatch(/^nodejs_eventloop_lag_seconds /m);
    worker.child.kill("SIGTERM");
    const exit = await worker.exited();
    expect(exit, worker.output()).toEqual({ code: 0, signal: null });
    const counts = await queue.getJobCounts("active", "completed", "waiting", "failed");
    expect(counts.active, JSON.stringify(counts)).toBe(0);
    expect(counts.failed, JSON.stringify(counts)).toBe(0);
    const rows = await client.db
      .select({ id: orders.id })
      .from(orders)
      .where(
        inArray(
          orders.id,
          jobs.map((j) => j.orderId),
        ),
      );
    expect(rows.length, JSON.stringify(counts)).toBe(counts.completed);
    expect(worker.output()).toContain('"msg":"stopped"');
    await queue.close();
  }, 90_000);
});
