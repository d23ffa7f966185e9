import { z } from "zod";
import { databaseFields, redisFields, serviceFields } from "./common";
import { booleanString, integer, port } from "./fields";

export const workerEnvSchema = z.object({
  ...serviceFields,
  ...databaseFields,
  ...redisFields,
  /** Jobs one worker process holds at once, taken as two batches of half; a batch shares one INSERT. */
  WORKER_CONCURRENCY: integer(200, { min: 1, max: 10_000 }),
  /** Flush a batch when it holds this many orders… */
  BATCH_MAX_SIZE: integer(500, { min: 1, max: 5_000 }),
  /** …or, when the batch is partial (quiet queue), once its oldest order has waited this long. */
  BATCH_MAX_WAIT_MS: integer(5, { min: 0, max: 10_000 }),
  /**
   * Attempts after which an order is marked failed. The attempts and backoff a job really gets
   * are set by the receiver at enqueue (its JOB_ATTEMPTS / JOB_BACKOFF_MS): keep the two equal.
   */
  JOB_ATTEMPTS: integer(12, { min: 1, max: 100 }),
  /** BullMQ lock duration; a job whose worker stops renewing it is recovered as stalled. */
  LOCK_DURATION_MS: integer(30_000, { min: 1_000, max: 3_600_000 }),
  STALLED_INTERVAL_MS: integer(30_000, { min: 1_000, max: 3_600_000 }),
  /** Times a job may come back from a dead worker before it is failed; each crash holding it counts once. */
  MAX_STALLED_COUNT: integer(5, { min: 0, max: 1_000 }),
  /** How long a webhook's or account's state is reused; disabling an account takes effect within it. */
  OWNER_CACHE_TTL_MS: integer(5_000, { min: 0, max: 3_600_000 }),
  METRICS_PORT: port(9464),
  METRICS_HOST: z.string().trim().min(1).default("::"),
  SHUTDOWN_TIMEOUT_MS: integer(25_000, { min: 0, max: 600_000 }),
  REDIS_ALLOW_EVICTION: booleanString.default(false),
});

export type WorkerEnv = z.infer<typeof workerEnvSchema>;
