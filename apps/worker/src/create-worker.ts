import { ORDER_QUEUE_NAME, orderJobSchema } from "@orderhook/queue";
import { Worker } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import type { Sql } from "postgres";
import { orderRow } from "./order-row";
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
  /** Recoveries from a dead worker a job may go through before it is failed. */
  maxStalledCount: number;
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

const STALLED_TOO_OFTEN = /stalled more than allowable limit/;

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
    maxStalledCount: settings.maxStalledCount,
    name: settings.name,
  });
  worker.on("error", (error) => logger.error({ err: error }, "worker error"));
  worker.on("stalled", (jobId) => logger.warn({ orderId: jobId }, "job stalled; another attempt follows"));
  // BullMQ fails a job that stalled too often without running the processor: record it on the row.
  worker.on("failed", (job, error) => {
    if (job === undefined || !STALLED_TOO_OFTEN.test(error.message)) return;
    const parsed = orderJobSchema.safeParse(job.data);
    if (!parsed.success) return;
    writer
      .write(orderRow(parsed.data, "failed", `stalled: ${error.message}`))
      .catch((writeError: unknown) =>
        logger.warn({ orderId: job.id, err: writeError }, "could not mark the order failed"),
      );
  });
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
