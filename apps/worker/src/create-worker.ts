import { createBatchConsumer, ORDER_QUEUE_NAME, type RedisClient } from "@orderhook/queue";
import { Worker } from "bullmq";
import type { Logger } from "pino";
import type { Sql } from "postgres";
import { createOrderWriter, type OrderWriter } from "./order-writer";
import { createOwnerCache, type OwnerCache } from "./owner-cache";
import { createOrderProcessor } from "./process-order";
import type { WorkerMetrics } from "./worker-metrics";

export interface WorkerSettings {
  /** Jobs held at once, split over two batches in flight; a batch's rows share one INSERT. */
  concurrency: number;
  batchMaxSize: number;
  batchMaxWaitMs: number;
  /**
   * Jobs arriving per second from which the worker takes no jobs, for at most
   * `burstYieldMaxMs` per burst (both absent, or a max of 0: it never pauses).
   */
  burstYieldRate?: number;
  burstYieldMaxMs?: number;
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
  connection: RedisClient;
  prefix: string;
  sql: Sql;
  logger: Logger;
  metrics?: WorkerMetrics;
  settings: WorkerSettings;
}

export interface OrderWorker {
  /** BullMQ's worker in manual mode: stalled-job checks, lock renewal, failure path. */
  worker: Worker;
  writer: OrderWriter;
  /** Drop an entry when a credential event says it changed. */
  owners: OwnerCache;
  /** Taking jobs (false once closing). */
  isRunning(): boolean;
  /** Stops taking jobs, lets active ones and their batches finish. */
  close(): Promise<void>;
}

/** Two batches in flight let one's Redis round trips overlap the other's INSERT. */
const LANES = 2;
/** One pause between looks during a burst; short, so the catch-up starts soon after. */
const BURST_PAUSE_MS = 20;

/** The order queue's consumer. It neither reads the environment nor owns its connections. */
export function createWorker(deps: WorkerDeps): OrderWorker {
  const { connection, prefix, sql, logger, metrics, settings } = deps;
  const lanes = Math.min(LANES, settings.concurrency);
  const batchSize = Math.min(settings.batchMaxSize, Math.ceil(settings.concurrency / lanes));
  const writer = createOrderWriter({
    sql,
    // A full batch from Redis is written at once; a partial one waits BATCH_MAX_WAIT_MS for company.
    maxBatchSize: batchSize,
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
  const worker = new Worker(ORDER_QUEUE_NAME, null, {
    connection,
    prefix,
    autorun: false,
    lockDuration: settings.lockDurationMs,
    stalledInterval: settings.stalledIntervalMs,
    maxStalledCount: settings.maxStalledCount,
    name: settings.name,
  });
  worker.on("error", (error) => logger.error({ err: error }, "worker error"));
  worker.on("stalled", (jobId) => logger.warn({ orderId: jobId }, "job stalled; another attempt follows"));
  void worker.startStalledCheckTimer();
  const consumer = createBatchConsumer({
    connection,
    prefix,
    queueName: ORDER_QUEUE_NAME,
    worker,
    batchSize,
    lanes,
    lockDurationMs: settings.lockDurationMs,
    name: settings.name,
    logger,
    burstPacing:
      settings.burstYieldRate === undefined || !settings.burstYieldMaxMs
        ? undefined
        : {
            burstPerSecond: settings.burstYieldRate,
            pauseMs: BURST_PAUSE_MS,
            maxPauseMs: settings.burstYieldMaxMs,
          },
    onBurstPause: metrics && ((ms) => metrics.burstPauseSeconds.inc(ms / 1_000)),
    process: processor,
  });
  return {
    worker,
    writer,
    owners,
    isRunning: consumer.isRunning,
    async close() {
      await consumer.close();
      await worker.close();
      await writer.flush();
    },
  };
}
