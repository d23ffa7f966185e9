import { z } from "zod";
import { booleanString, connectionUrl, integer, logLevel, queuePrefix } from "./fields";
import { redisScaleFields } from "./redis-scale";

export const DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/orderhook";
export const DEFAULT_REDIS_URL = "redis://127.0.0.1:6379";

/** Connections in a process's Postgres pool; each process has its own default. */
export const dbPoolMax = (defaultValue: number) =>
  integer(defaultValue, { min: 1, max: 1000 }).describe(
    "Connections in this process's Postgres pool. Budget them: all processes' pools together stay below Postgres's `max_connections`.",
  );

export const databaseFields = {
  DATABASE_URL: connectionUrl(["postgres:", "postgresql:"], DEFAULT_DATABASE_URL).describe(
    "Postgres (the receiver only reads: credentials and order status). Railway's `DATABASE_URL` works as it comes.",
  ),
  DATABASE_POOL_MODE: z
    .enum(["session", "transaction"], { error: 'expected "session" or "transaction"' })
    .default("session")
    .describe(
      "How `DATABASE_URL` pools connections: `session` (a direct connection, or PgBouncer in session mode) or " +
        "`transaction` (PgBouncer in transaction mode, as most hosted Postgres poolers run): no prepared " +
        "statements and no startup parameters, so `DB_STATEMENT_TIMEOUT_MS` becomes the database's default, " +
        "set by `orderhook db migrate` (see docs/scaling.md).",
    ),
  DB_POOL_MAX: dbPoolMax(10),
  DB_CONNECT_TIMEOUT_SECONDS: integer(10, { min: 1, max: 600 }).describe(
    "Give up a Postgres connection attempt after this long (a worker's job then retries).",
  ),
  DB_IDLE_TIMEOUT_SECONDS: integer(60, { min: 0, max: 86_400 }).describe(
    "Close pooled connections idle this long.",
  ),
  DB_STATEMENT_TIMEOUT_MS: integer(10_000, { min: 0, max: 3_600_000 }).describe(
    "Server-side `statement_timeout` (0 disables it); a worker's timed-out statement is retried.",
  ),
};

export const redisFields = {
  REDIS_URL: connectionUrl(["redis:", "rediss:"], DEFAULT_REDIS_URL).describe(
    "Redis: the queue, idempotency keys, rate limits and credential events. It must run with " +
      "`maxmemory-policy noeviction`; IPv6 hosts work (Railway's private network).",
  ),
  QUEUE_PREFIX: queuePrefix.describe(
    "Prefix of every Redis key orderhook writes, BullMQ's included: the same for receivers, workers and the CLI.",
  ),
  ...redisScaleFields,
};

export const serviceFields = {
  LOG_LEVEL: logLevel.describe(
    "pino log level. At `info` the receiver logs one line per request and the worker one per job; `warn` keeps only retries, failures and problems.",
  ),
  NODE_ENV: z
    .enum(["development", "production", "test"])
    .default("development")
    .describe("The usual Node setting."),
};

/** What every process reads: logging, Postgres, and Redis with its queue shards. */
export const processFields = { ...serviceFields, ...databaseFields, ...redisFields };

/** The receiver's public address, for the webhook URLs orderhook prints. */
export const publicUrl = z
  .url({ protocol: /^https?$/, error: "expected an http(s) URL" })
  .optional()
  .describe("The receiver's public base URL (`https://…`), for the webhook URLs orderhook prints.");

/** What the receiver and the worker both read, with the same meaning. */
export const appFields = {
  JOB_ATTEMPTS: integer(12, { min: 1, max: 100 }).describe(
    "Attempts per queued order. The receiver sets them on each job; the worker marks an order " +
      "failed after this many, whatever a job says: keep one value.",
  ),
  REDIS_ALLOW_EVICTION: booleanString
    .default(false)
    .describe("Start even when Redis may evict keys (queued orders could be lost under memory pressure)."),
};

/** How long a SIGTERM may take before the process gives up on a clean stop. */
export const shutdownTimeout = (defaultMs: number) =>
  integer(defaultMs, { min: 0, max: 600_000 }).describe(
    "On SIGTERM, how long to drain before exiting 1; keep the platform's draining time above it.",
  );

/** The deliveries log: written by receivers, read by receivers, the CLI and the console. */
export const deliveryLogFields = {
  DELIVERY_LOG_MAX_ENTRIES: integer(1_000, { min: 0, max: 100_000 }).describe(
    "Requests kept in each webhook's deliveries log (about: Redis trims whole stream nodes, so up to ~100 more); 0 turns the log off in the receiver.",
  ),
  DELIVERY_LOG_MAX_AGE_SECONDS: integer(604_800, { min: 60, max: 7_776_000 }).describe(
    "Deliveries older than this are trimmed and never shown (default 7 days); a webhook's log expires this long after its last request.",
  ),
};
