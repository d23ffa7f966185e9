import { randomUUID } from "node:crypto";
import { isNotConnectionError, Job, type JobsOptions, type Worker } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { COMPLETE_JOBS_LUA } from "./complete-jobs-script";
import { TAKE_JOBS_LUA, TAKEN_JOB_FIELDS } from "./take-jobs-script";

/** A job as the batch consumer took it off the queue: what processing needs, nothing more. */
export interface TakenJob {
  id: string;
  data: unknown;
  /** Epoch ms when the job was added. */
  timestamp: number;
  /** Attempts already finished (this one not counted). */
  attemptsMade: number;
  opts: JobsOptions;
  /** BullMQ's stalled checker set it (stalled too often): the job fails without running. */
  deferredFailure: string | null;
}

export interface BatchConsumerOptions {
  /** Runs the scripts; a duplicate of it does the blocking wait. */
  connection: Redis;
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
  logger: Logger;
  /** Resolves: the job completes. Rejects: BullMQ's moveToFailed decides retry or failed. */
  process(job: TakenJob): Promise<void>;
}

export interface BatchConsumer {
  /** Stops taking jobs and resolves when every batch in flight is finished in Redis. */
  close(): Promise<void>;
  isRunning(): boolean;
}

interface Taken {
  jobs: TakenJob[];
  /** Jobs in a flow or deduplicated: finished by BullMQ's own moveToCompleted. */
  special: Set<string>;
  token: string;
  rateLimitDelay: number;
  nextDelayed: number;
}

interface Batch {
  ids: string[];
  token: string;
}

/** BullMQ's KeepJobs with every member optional, as moveToFinished reads it. */
interface KeepJobs {
  count?: number;
  age?: number;
  limit?: number;
}

type RawTaken = [(string | null)[], number, number];

interface BatchCommands {
  orderhookTakeJobs(...args: (string | number)[]): Promise<RawTaken>;
  orderhookCompleteJobs(...args: (string | number)[]): Promise<number[]>;
}

const FIELDS = TAKEN_JOB_FIELDS.length + 1;
const CLOSING_ATTEMPTS = 5;
const RETRY_DELAY_MS = 1_000;
const MAX_RATE_LIMIT_DELAY_MS = 30_000;

/** BullMQ's getKeepJobs for a job whose worker sets no removeOnComplete of its own. */
function keepJobs(option: JobsOptions["removeOnComplete"]): KeepJobs {
  if (option === undefined) return { count: -1 };
  if (typeof option === "object") return option as KeepJobs;
  if (typeof option === "number") return { count: option };
  return { count: option ? 0 : -1 };
}

/**
 * Consumes a BullMQ queue a batch at a time while keeping BullMQ's Redis layout, so Queue.add,
 * getJob, Bull Board, retries of failed jobs and stalled-job recovery are unchanged. One script
 * call takes and locks a batch, one completes it: two round trips per batch instead of one
 * script per job, which is most of the worker's and Redis's cost per order.
 */
export function createBatchConsumer(options: BatchConsumerOptions): BatchConsumer {
  const { connection, prefix, queueName, worker, batchSize, lanes, lockDurationMs, logger } = options;
  const drainDelaySeconds = options.drainDelaySeconds ?? 5;
  const keyPrefix = `${prefix}:${queueName}:`;
  const key = (name: string) => keyPrefix + name;
  const takeKeys = [
    "wait",
    "active",
    "prioritized",
    "events",
    "stalled",
    "limiter",
    "delayed",
    "paused",
    "meta",
    "pc",
    "marker",
  ].map(key);
  const completeKeys = ["wait", "active", "prioritized", "events", "stalled", "meta", "completed"].map(key);
  connection.defineCommand("orderhookTakeJobs", { numberOfKeys: takeKeys.length, lua: TAKE_JOBS_LUA });
  connection.defineCommand("orderhookCompleteJobs", {
    numberOfKeys: completeKeys.length,
    lua: COMPLETE_JOBS_LUA,
  });
  const commands = connection as unknown as BatchCommands;
  const consumerId = randomUUID();
  let tokens = 0;
  let closing = false;
  let stop!: () => void;
  const stopped = new Promise<void>((resolve) => {
    stop = resolve;
  });
  const inFlight = new Set<Batch>();
  let blocking: Redis | undefined;
  let waiting: Promise<void> | null = null;
  // The last options string seen and its parse: every order job carries the same one.
  let lastOpts: { raw: string; parsed: JobsOptions } | undefined;

  function sleep(ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    return Promise.race([
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, ms);
      }),
      stopped,
    ]).finally(() => clearTimeout(timer));
  }

  // A job taken is locked: nothing about its stored fields may stop it reaching processing.
  function parseOpts(raw: string | null): JobsOptions {
    if (raw === null) return {};
    if (lastOpts?.raw !== raw) {
      let parsed: JobsOptions = {};
      try {
        parsed = Job.optsFromJSON(raw);
      } catch {}
      lastOpts = { raw, parsed };
    }
    return lastOpts.parsed;
  }

  function parseData(raw: string | null): unknown {
    try {
      return raw === null ? undefined : JSON.parse(raw);
    } catch {
      return raw;
    }
  }

  async function take(): Promise<Taken> {
    const token = `${consumerId}:${tokens++}`;
    const [flat, rateLimitDelay, nextDelayed] = await commands.orderhookTakeJobs(
      ...takeKeys,
      keyPrefix,
      Date.now(),
      token,
      lockDurationMs,
      options.name ?? "",
      batchSize,
    );
    const jobs: TakenJob[] = [];
    const special = new Set<string>();
    for (let i = 0; i < flat.length; i += FIELDS) {
      const id = flat[i]!;
      const [data, opts, timestamp, atm, defa, parentKey, deid] = flat.slice(i + 1, i + FIELDS);
      jobs.push({
        id,
        data: parseData(data ?? null),
        timestamp: Number(timestamp ?? 0),
        attemptsMade: Number(atm ?? 0),
        opts: parseOpts(opts ?? null),
        deferredFailure: defa ?? null,
      });
      if (parentKey || deid) special.add(id);
    }
    return { jobs, special, token, rateLimitDelay: Number(rateLimitDelay), nextDelayed: Number(nextDelayed) };
  }

  /** Blocks on the marker like BullMQ's worker; one lane waits, the others share its wake-up. */
  function idle(taken: Taken): Promise<void> {
    if (taken.rateLimitDelay > 0) return sleep(Math.min(taken.rateLimitDelay, MAX_RATE_LIMIT_DELAY_MS));
    waiting ??= blockOnMarker(taken.nextDelayed).finally(() => {
      waiting = null;
    });
    return waiting;
  }

  async function blockOnMarker(nextDelayed: number): Promise<void> {
    let timeout = drainDelaySeconds;
    if (nextDelayed > 0) {
      const ms = nextDelayed - Date.now();
      if (ms <= 0) return;
      timeout = Math.min(timeout, Math.max(ms / 1000, 0.001));
    }
    if (blocking === undefined) {
      blocking = connection.duplicate();
      // Its failures surface as a rejected BZPOPMIN, handled below.
      blocking.on("error", () => {});
    }
    const client = blocking;
    // A blocking command can hang after a reconnect (ioredis re-sends it): a watchdog abandons it.
    const popped = client.bzpopmin(keyPrefix + "marker", timeout).then(
      () => true,
      () => false,
    );
    const settled = await Promise.race([popped, sleep(timeout * 1000 + 1_000).then(() => null)]);
    if (settled === null && !closing) {
      client.disconnect();
      if (blocking === client) blocking = undefined;
    }
    if (settled === false && !closing) await sleep(RETRY_DELAY_MS);
  }

  /** BullMQ's retryIfFailed: a lost connection is retried (a few times once closing), anything else is not. */
  async function withRetries<T>(what: string, run: () => Promise<T>): Promise<T | undefined> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await run();
      } catch (error) {
        if (isNotConnectionError(error as Error) || (closing && attempt >= CLOSING_ATTEMPTS)) {
          logger.error({ err: error }, `${what} failed; its jobs return through stalled-job recovery`);
          return undefined;
        }
        logger.warn({ err: error, attempt }, `${what} failed; retrying`);
        await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS));
      }
    }
  }

  async function complete(jobs: TakenJob[], token: string): Promise<void> {
    const groups = new Map<string, { keep: KeepJobs; ids: string[] }>();
    for (const job of jobs) {
      const keep = keepJobs(job.opts.removeOnComplete);
      const groupKey = JSON.stringify(keep);
      let group = groups.get(groupKey);
      if (group === undefined) {
        group = { keep, ids: [] };
        groups.set(groupKey, group);
      }
      group.ids.push(job.id);
    }
    for (const { keep, ids } of groups.values()) {
      const codes = await withRetries("completing a batch", () =>
        commands.orderhookCompleteJobs(
          ...completeKeys,
          keyPrefix,
          Date.now(),
          token,
          keep.count ?? "",
          keep.age ?? "",
          keep.limit ?? "",
          ...ids,
        ),
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
    await withRetries(error === null ? "completing a job" : "failing a job", async () => {
      const job = await Job.fromId(worker, id);
      if (job === undefined) {
        logger.warn({ orderId: id }, "job gone before it could be finished");
        return;
      }
      if (error === null) await job.moveToCompleted(undefined, token, false);
      else await job.moveToFailed(error, token, false);
    });
  }

  async function runBatch(taken: Taken): Promise<void> {
    const batch: Batch = { ids: taken.jobs.map((j) => j.id), token: taken.token };
    inFlight.add(batch);
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
      inFlight.delete(batch);
    }
  }

  async function lane(): Promise<void> {
    while (!closing) {
      let taken: Taken;
      try {
        taken = await take();
      } catch (error) {
        if (closing) break;
        logger.warn({ err: error }, "could not take jobs; retrying");
        await sleep(RETRY_DELAY_MS);
        continue;
      }
      try {
        if (taken.jobs.length === 0) await idle(taken);
        else await runBatch(taken);
      } catch (error) {
        logger.error({ err: error }, "batch failed; its jobs return through stalled-job recovery");
      }
    }
  }

  // BullMQ's lock extender, for batches: every half lock duration, one script for all jobs held.
  const renewal = setInterval(() => {
    const batches = [...inFlight];
    if (batches.length === 0) return;
    const ids = batches.flatMap((b) => b.ids);
    const owners = batches.flatMap((b) => b.ids.map(() => b.token));
    worker.extendJobLocks(ids, owners, lockDurationMs).then(
      (lost) => {
        if (lost.length > 0) logger.warn({ orderIds: lost }, "could not renew the lock of jobs still held");
      },
      (error: unknown) => logger.warn({ err: error }, "lock renewal failed"),
    );
  }, lockDurationMs / 2);

  const running = Array.from({ length: lanes }, () => lane());

  return {
    async close() {
      closing = true;
      stop();
      blocking?.disconnect();
      await Promise.all(running);
      clearInterval(renewal);
    },
    isRunning: () => !closing,
  };
}
