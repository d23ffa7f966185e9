import { randomUUID } from "node:crypto";
import { isNotConnectionError, Job, type Worker } from "bullmq";
import type { BatchLogger } from "./batch-logger";
import { createBatchScripts, type KeepJobs, keepJobs, type TakenBatch, type TakenJob } from "./batch-scripts";
import { type BurstPacer, type BurstPacingOptions, createBurstPacer } from "./burst-pacer";
import { startLockRenewal } from "./lock-renewal";
import { createMarkerWait } from "./marker-wait";
import type { RedisClient } from "./redis-client";
import { createStopSignal, type StopSignal } from "./stop-signal";

export interface BatchConsumerOptions {
  /** Runs the scripts; a duplicate of it does the blocking wait. */
  connection: RedisClient;
  prefix: string;
  queueName: string;
  /** Manual-mode BullMQ worker: its stalled checker, lock extension and failure path are used. */
  worker: Worker;
  /** Jobs taken, processed and completed together. */
  batchSize: number;
  /** Batches in flight at once, so one's Redis round trips overlap another's INSERT. */
  lanes: number;
  lockDurationMs: number;
  /** Seconds an idle consumer blocks on the queue's marker before looking again (BullMQ's drainDelay). */
  drainDelaySeconds?: number;
  /** Stored on each job as the worker that took it. */
  name?: string;
  logger: BatchLogger;
  /**
   * Takes nothing while jobs arrive in a burst (see `createBurstPacer`; `minArrivals` defaults to
   * a batch); absent: never pauses.
   */
  burstPacing?: BurstPacingOptions;
  /** A pacer of the caller's own instead of one built from `burstPacing` (tests). */
  burstPacer?: BurstPacer;
  /** Called with each burst pause's length in ms, before it starts (metrics): the consumer's, not per lane. */
  onBurstPause?: (ms: number) => void;
  /** Resolves: the job completes. Rejects: BullMQ's moveToFailed decides retry or failed. */
  process(job: TakenJob): Promise<void>;
}

export interface BatchConsumer {
  /** Stops taking jobs and resolves when every batch in flight is finished in Redis. */
  close(): Promise<void>;
  isRunning(): boolean;
}

const CLOSING_ATTEMPTS = 5;
const RETRY_DELAY_MS = 1_000;
const MAX_RATE_LIMIT_DELAY_MS = 30_000;

/** BullMQ's retryIfFailed: a lost connection is retried (a few times once closing), anything else is not. */
async function withRetries<T>(
  what: string,
  stop: StopSignal,
  logger: BatchLogger,
  run: () => Promise<T>,
): Promise<T | undefined> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      if (isNotConnectionError(error as Error) || (stop.stopped && attempt >= CLOSING_ATTEMPTS)) {
        logger.error({ err: error }, `${what} failed; its jobs return through stalled-job recovery`);
        return undefined;
      }
      logger.warn({ err: error, attempt }, `${what} failed; retrying`);
      await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS));
    }
  }
}

/** Groups jobs by their completion retention: one `completeJobs` call per group. */
function byRetention(jobs: TakenJob[]): { keep: KeepJobs; ids: string[] }[] {
  const groups = new Map<string, { keep: KeepJobs; ids: string[] }>();
  for (const job of jobs) {
    const keep = keepJobs(job.opts.removeOnComplete);
    const key = JSON.stringify(keep);
    let group = groups.get(key);
    if (group === undefined) {
      group = { keep, ids: [] };
      groups.set(key, group);
    }
    group.ids.push(job.id);
  }
  return [...groups.values()];
}

/**
 * Consumes a BullMQ queue a batch at a time while keeping BullMQ's Redis layout, so Queue.add,
 * getJob, Bull Board, retries of failed jobs and stalled-job recovery are unchanged. One script
 * call takes and locks a batch, one completes it: two round trips per batch instead of one
 * script per job, which is most of the worker's and Redis's cost per order.
 */
export function createBatchConsumer(options: BatchConsumerOptions): BatchConsumer {
  const { connection, worker, batchSize, lanes, lockDurationMs, logger } = options;
  const scripts = createBatchScripts({
    connection,
    prefix: options.prefix,
    queueName: options.queueName,
    lockDurationMs,
    workerName: options.name,
  });
  const stop = createStopSignal();
  const marker = createMarkerWait({
    connection,
    markerKey: `${options.prefix}:${options.queueName}:marker`,
    drainDelaySeconds: options.drainDelaySeconds ?? 5,
    stop,
  });
  const locks = startLockRenewal({ worker, lockDurationMs, logger });
  const consumerId = randomUUID();
  let tokens = 0;
  const pacer =
    options.burstPacer ??
    (options.burstPacing && createBurstPacer({ minArrivals: batchSize, ...options.burstPacing }));
  const waitKey = `${options.prefix}:${options.queueName}:wait`;
  /** The burst pause in progress, shared by the lanes: none of them takes until it ends. */
  let pause: Promise<void> | null = null;

  /**
   * Every take reports the wait list's length (no round trip of its own): the pacer's observation.
   * When it says a burst started, the lanes stop taking until it ends.
   */
  function observeTake(taken: TakenBatch): void {
    if (pacer === undefined || taken.waiting < 0) return;
    pacer.taken(taken.jobs.length);
    const pauseMs = pacer.observe(taken.waiting, Date.now());
    if (pauseMs > 0) {
      pause ??= yieldToBurst(pacer, pauseMs).finally(() => {
        pause = null;
      });
    }
  }

  /** Pauses while the burst lasts, looking with one LLEN per pause. A failed look ends the pause. */
  async function yieldToBurst(burst: BurstPacer, firstMs: number): Promise<void> {
    let pauseMs = firstMs;
    while (pauseMs > 0 && !stop.stopped) {
      options.onBurstPause?.(pauseMs);
      await stop.sleep(pauseMs);
      if (stop.stopped) return;
      try {
        pauseMs = burst.observe(await connection.llen(waitKey), Date.now());
      } catch {
        return;
      }
    }
  }

  async function complete(jobs: TakenJob[], token: string): Promise<void> {
    for (const { keep, ids } of byRetention(jobs)) {
      const codes = await withRetries("completing a batch", stop, logger, () =>
        scripts.complete(token, keep, ids),
      );
      codes?.forEach((code, i) => {
        if (code !== 0) {
          logger.warn({ orderId: ids[i], code }, "job not completed: its lock was lost; the row is kept");
        }
      });
    }
  }

  /** Jobs BullMQ finishes itself: failures (retry, backoff, failed set) and flow/deduplicated jobs. */
  async function finishOne(id: string, token: string, error: Error | null): Promise<void> {
    await withRetries(error === null ? "completing a job" : "failing a job", stop, logger, async () => {
      const job = await Job.fromId(worker, id);
      if (job === undefined) {
        logger.warn({ orderId: id }, "job gone before it could be finished");
        return;
      }
      if (error === null) await job.moveToCompleted(undefined, token, false);
      else await job.moveToFailed(error, token, false);
    });
  }

  async function runBatch(taken: TakenBatch): Promise<void> {
    const release = locks.hold(
      taken.jobs.map((j) => j.id),
      taken.token,
    );
    try {
      const settled = await Promise.allSettled(taken.jobs.map((job) => options.process(job)));
      const completed: TakenJob[] = [];
      const others: Promise<void>[] = [];
      settled.forEach((result, i) => {
        const job = taken.jobs[i]!;
        if (result.status === "rejected") {
          const error = result.reason instanceof Error ? result.reason : new Error(String(result.reason));
          others.push(finishOne(job.id, taken.token, error));
        } else if (taken.special.has(job.id)) {
          others.push(finishOne(job.id, taken.token, null));
        } else {
          completed.push(job);
        }
      });
      await Promise.all([complete(completed, taken.token), ...others]);
    } finally {
      release();
    }
  }

  async function lane(): Promise<void> {
    while (!stop.stopped) {
      if (pause !== null) {
        await pause;
        continue;
      }
      let taken: TakenBatch;
      try {
        taken = await scripts.take(`${consumerId}:${tokens++}`, batchSize);
      } catch (error) {
        if (stop.stopped) break;
        logger.warn({ err: error }, "could not take jobs; retrying");
        await stop.sleep(RETRY_DELAY_MS);
        continue;
      }
      try {
        observeTake(taken);
        // A batch taken is processed even when a burst just began: its jobs are locked to it.
        if (taken.jobs.length > 0) await runBatch(taken);
        else if (taken.rateLimitDelay > 0)
          await stop.sleep(Math.min(taken.rateLimitDelay, MAX_RATE_LIMIT_DELAY_MS));
        else await marker.wait(taken.nextDelayed);
      } catch (error) {
        logger.error({ err: error }, "batch failed; its jobs return through stalled-job recovery");
      }
    }
  }

  const running = Array.from({ length: lanes }, () => lane());

  return {
    async close() {
      stop.stop();
      marker.close();
      await Promise.all(running);
      locks.stop();
    },
    isRunning: () => !stop.stopped,
  };
}
