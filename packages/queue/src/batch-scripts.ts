import { Job, type JobsOptions } from "bullmq";
import { type LuaCommand, loadLuaCommand } from "./bullmq-lua";
import type { RedisClient } from "./redis-client";

/** Fields `takeJobs` returns per job, in this order, after its id (its HMGET). */
export const TAKEN_JOB_FIELDS = ["data", "opts", "timestamp", "atm", "defa", "parentKey", "deid"] as const;

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

/** One `takeJobs` call's result: the jobs it locked with `token`, or why it found none. */
export interface TakenBatch {
  jobs: TakenJob[];
  /** Jobs in a flow or deduplicated: finished by BullMQ's own moveToCompleted. */
  special: Set<string>;
  token: string;
  /** Ms until the queue's rate limit lets another job through (0: not limited). */
  rateLimitDelay: number;
  /** Epoch ms of the next delayed job when none was taken (0: none). */
  nextDelayed: number;
  /** The wait list's length right after the take (-1: rate limited or paused, not looked at). */
  waiting: number;
}

/** BullMQ's KeepJobs with every member optional, as moveToFinished reads it. */
export interface KeepJobs {
  count?: number;
  age?: number;
  limit?: number;
}

/** BullMQ's getKeepJobs for a job whose worker sets no removeOnComplete of its own. */
export function keepJobs(option: JobsOptions["removeOnComplete"]): KeepJobs {
  if (option === undefined) return { count: -1 };
  if (typeof option === "object") return option as KeepJobs;
  if (typeof option === "number") return { count: option };
  return { count: option ? 0 : -1 };
}

export interface BatchScriptsOptions {
  /** Runs the scripts (defined on it once). */
  connection: RedisClient;
  prefix: string;
  queueName: string;
  lockDurationMs: number;
  /** Stored on each job as the worker that took it. */
  workerName?: string;
}

/** The two scripts of a batch consumer, with their keys bound and their replies parsed. */
export interface BatchScripts {
  /** Takes up to `count` jobs to active, locked with `token`. */
  take(token: string, count: number): Promise<TakenBatch>;
  /** Completes jobs locked with `token` that share one retention; a code per id (0: done). */
  complete(token: string, keep: KeepJobs, ids: string[]): Promise<number[]>;
}

type RawTaken = [(string | null)[], number, number, number];
type Command = (...args: (string | number)[]) => Promise<unknown>;

const TAKE_KEYS = [
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
] as const;
const COMPLETE_KEYS = ["wait", "active", "prioritized", "events", "stalled", "meta", "completed"] as const;
const FIELDS = TAKEN_JOB_FIELDS.length + 1;

let loaded: { take: LuaCommand; complete: LuaCommand } | undefined;
const definedOn = new WeakSet<RedisClient>();

/** Reads the scripts once per process and defines them once per connection. */
function defineOn(connection: RedisClient): { take: Command; complete: Command } {
  loaded ??= { take: loadLuaCommand("takeJobs-11.lua"), complete: loadLuaCommand("completeJobs-7.lua") };
  const names = { take: `orderhook:${loaded.take.name}`, complete: `orderhook:${loaded.complete.name}` };
  if (!definedOn.has(connection)) {
    for (const key of ["take", "complete"] as const) {
      const { numberOfKeys, lua } = loaded[key];
      connection.defineCommand(names[key], { numberOfKeys, lua });
    }
    definedOn.add(connection);
  }
  const commands = connection as unknown as Record<string, Command>;
  return {
    take: (...args) => commands[names.take]!.apply(connection, args),
    complete: (...args) => commands[names.complete]!.apply(connection, args),
  };
}

function parseData(raw: string | null): unknown {
  try {
    return raw === null ? undefined : JSON.parse(raw);
  } catch {
    return raw;
  }
}

export function createBatchScripts(options: BatchScriptsOptions): BatchScripts {
  const { connection, lockDurationMs } = options;
  const keyPrefix = `${options.prefix}:${options.queueName}:`;
  const takeKeys = TAKE_KEYS.map((name) => keyPrefix + name);
  const completeKeys = COMPLETE_KEYS.map((name) => keyPrefix + name);
  const workerName = options.workerName ?? "";
  const run = defineOn(connection);
  // The last options string seen and its parse: every order job carries the same one.
  let lastOpts: { raw: string; parsed: JobsOptions } | undefined;

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

  return {
    async take(token, count) {
      const [flat, rateLimitDelay, nextDelayed, waiting] = (await run.take(
        ...takeKeys,
        keyPrefix,
        Date.now(),
        token,
        lockDurationMs,
        workerName,
        count,
      )) as RawTaken;
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
      return {
        jobs,
        special,
        token,
        rateLimitDelay: Number(rateLimitDelay),
        nextDelayed: Number(nextDelayed),
        waiting: Number(waiting),
      };
    },
    async complete(token, keep, ids) {
      return (await run.complete(
        ...completeKeys,
        keyPrefix,
        Date.now(),
        token,
        keep.count ?? "",
        keep.age ?? "",
        keep.limit ?? "",
        ...ids,
      )) as number[];
    },
  };
}
