import { createDbClient } from "@orderhook/db";
import { createLogger } from "@orderhook/observability";
import {
  createOrderQueue,
  createRedis,
  ORDER_JOB_NAME,
  type OrderJob,
  type OrderQueue,
  orderJobOptions,
} from "@orderhook/queue";
import { createFixture, type Fixture, testDatabaseUrl, testRedisUrl } from "@orderhook/testing";
import type { JobsOptions } from "bullmq";
import { afterAll, afterEach, beforeAll } from "vitest";
import { createWorker, type OrderWorker, type WorkerSettings } from "../src/create-worker";
import type { WorkerMetrics } from "../src/worker-metrics";

/** Worker settings of the integration tests: small batches that flush quickly, no owner cache. */
const testWorkerSettings: WorkerSettings = {
  concurrency: 50,
  batchMaxSize: 500,
  batchMaxWaitMs: 20,
  maxAttempts: 12,
  lockDurationMs: 30_000,
  stalledIntervalMs: 30_000,
  maxStalledCount: 5,
  ownerCacheTtlMs: 0,
};

/**
 * The run's Postgres and Redis for one test file, a user with a webhook and an account
 * (`fixture`), and `startWorker`, which builds an order worker on them. What a test started
 * is closed after it; the connections after the file.
 */
export function workerTestContext() {
  const client = createDbClient({ url: testDatabaseUrl(), max: 4, applicationName: "orderhook-worker-test" });
  const redis = createRedis(testRedisUrl(), { maxRetriesPerRequest: null });
  const logger = createLogger({ name: "worker-test", level: process.env.TEST_LOG ?? "silent" });
  const started: { close(): Promise<void> }[] = [];
  let fixture: Fixture | undefined;
  beforeAll(async () => {
    fixture = await createFixture(client.db);
  });
  afterEach(async () => {
    for (const closable of started.splice(0).reverse()) await closable.close();
  });
  afterAll(async () => {
    await client.close();
    redis.disconnect();
  });
  return {
    client,
    redis,
    logger,
    get fixture(): Fixture {
      if (fixture === undefined) throw new Error("the fixture is created in beforeAll");
      return fixture;
    },
    startWorker(
      prefix: string,
      overrides: Partial<WorkerSettings> = {},
      metrics?: WorkerMetrics,
    ): OrderWorker {
      const worker = createWorker({
        connection: redis,
        prefix,
        sql: client.sql,
        logger,
        metrics,
        settings: { ...testWorkerSettings, ...overrides },
      });
      started.push(worker);
      return worker;
    },
    /**
     * Adds `jobs` to the order queue under `prefix` as the receiver does (job id = order id,
     * the queue's job options unless given); the queue is closed after the test. Jobs are
     * taken as they come, valid or not: the worker must survive what Redis holds.
     */
    async enqueue(
      prefix: string,
      jobs: unknown[],
      opts: JobsOptions = orderJobOptions(),
    ): Promise<OrderQueue> {
      const queue = createOrderQueue(redis, prefix);
      started.push(queue);
      await queue.addBulk(
        jobs.map((data) => ({
          name: ORDER_JOB_NAME,
          data: data as OrderJob,
          opts: { ...opts, jobId: (data as OrderJob).orderId },
        })),
      );
      return queue;
    },
    /** Closes this too after the test, with the workers, newest first. */
    track(closable: { close(): Promise<void> }): void {
      started.push(closable);
    },
  };
}
