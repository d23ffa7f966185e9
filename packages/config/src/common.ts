import { z } from "zod";
import { connectionUrl, integer, logLevel, queuePrefix } from "./fields";

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
