import { z } from "zod";
import { booleanString, connectionUrl, integer, logLevel, queuePrefix } from "./fields";

export const DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/orderhook";
export const DEFAULT_REDIS_URL = "redis://127.0.0.1:6379";

export const databaseFields = {
  DATABASE_URL: connectionUrl(["postgres:", "postgresql:"], DEFAULT_DATABASE_URL),
  /** Connections in this process's Postgres pool. */
  DB_POOL_MAX: integer(10, { min: 1, max: 1000 }),
  DB_CONNECT_TIMEOUT_SECONDS: integer(10, { min: 1, max: 600 }),
  DB_IDLE_TIMEOUT_SECONDS: integer(60, { min: 0, max: 86_400 }),
  DB_STATEMENT_TIMEOUT_MS: integer(10_000, { min: 0, max: 3_600_000 }),
};

export const redisFields = {
  REDIS_URL: connectionUrl(["redis:", "rediss:"], DEFAULT_REDIS_URL),
  QUEUE_PREFIX: queuePrefix,
};

export const serviceFields = {
  LOG_LEVEL: logLevel,
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
};

/** What the receiver and the worker both read, with the same meaning. */
export const appFields = {
  /**
   * Attempts per queued order. The receiver sets them on each job at enqueue; the worker marks
   * an order failed after this many, whatever a job says: keep the two equal.
   */
  JOB_ATTEMPTS: integer(12, { min: 1, max: 100 }),
  /** Start even when Redis may evict keys (queue data would be lost under memory pressure). */
  REDIS_ALLOW_EVICTION: booleanString.default(false),
};

/** How long a SIGTERM may take before the process gives up on a clean stop. */
export const shutdownTimeout = (defaultMs: number) => integer(defaultMs, { min: 0, max: 600_000 });
