import { ORDER_QUEUE_NAME } from "@orderhook/queue";
import { Worker } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import type { Sql } from "postgres";
import { createOrderWriter, type OrderWriter } from "./order-writer";
import { createOwnerCache, type OwnerCache } from "./owner-cache";
import { createOrderProcessor } from "./process-order";
import type { WorkerMetrics } from "./worker-metrics";

export interface WorkerSettings {
  /** Jobs handled at once; they are the rows that can share one INSERT. */
  concurrency: number;
  batchMaxSize: number;
  batchMaxWaitMs: number;
  /** Cap on attempts per job, whatever the job's own options say. */
  maxAttempts: number;
  lockDurationMs: number;
  stalledIntervalMs: number;
  ownerCacheTtlMs: number;
  /** Shown on each job as the worker that took it. */
  name?: string;
}

export interface WorkerDeps {
  /** Needs `maxRetriesPerRequest: null`; BullMQ duplicates it for its blocking connection. */
  connection: Redis;
  prefix: string;
  sql: Sql;
  logger: Logger;
  metrics?: WorkerMetrics;
  settings: WorkerSettings;
}

export interface OrderWorker {
  worker: Worker;
  writer: OrderWriter;
  /** Drop an entry when a credential event says it changed. */
  owners: OwnerCache;
  /** Stops taking jobs, lets active ones and their batches finish. */
  close(): Promise<void>;
}

/** The order queue's consumer. It neither reads the environment nor owns its connections. */
export function createWorker(deps: WorkerDeps): OrderWorker {
  const { connection, prefix, sql, logger, metrics, settings } = deps;
  const writer = createOrderWriter({
    sql,
    // More rows than active jobs can never wait at once; a full worker flushes without waiting.
    maxBatchSize: Math.min(settings.batchMaxSize, settings.concurrency),
    maxWaitMs: settings.batchMaxWaitMs,
    onBatch(size, seconds) {
      metrics?.batchSize.observe(size);
      metrics?.batchDuration.observe(seconds);
    },
  });
  const owners = createOwnerCache({ sql, ttlMs: settings.ownerCacheTtlMs });
  const processor = createOrderProcessor({
    writer,
    owners,
    logger,
    metrics,
    maxAttempts: settings.maxAttempts,
  });
  const worker = new Worker(ORDER_QUEUE_NAME, processor, {
    connection,
    prefix,
    concurrency: settings.concurrency,
    lockDuration: settings.lockDurationMs,
    stalledInterval: settings.stalledIntervalMs,
    name: settings.name,
  });
  worker.on("error", (error) => logger.error({ err: error }, "worker error"));
  worker.on("stalled", (jobId) => logger.warn({ orderId: jobId }, "job stalled; another attempt follows"));
  return {
    worker,
    writer,
    owners,
    async close() {
      await worker.close();
      await writer.flush();
    },
  };
}
