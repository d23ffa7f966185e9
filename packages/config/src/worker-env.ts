import { z } from "zod";
import { appFields, databaseFields, redisFields, serviceFields, shutdownTimeout } from "./common";
import { integer, port } from "./fields";

export const workerEnvSchema = z.object({
  ...serviceFields,
  ...databaseFields,
  ...redisFields,
  ...appFields,
  /** Jobs one worker process holds at once, taken as two batches of half; a batch shares one INSERT. */
  WORKER_CONCURRENCY: integer(200, { min: 1, max: 10_000 }),
  /** Flush a batch when it holds this many orders… */
  BATCH_MAX_SIZE: integer(500, { min: 1, max: 5_000 }),
  /** …or, when the batch is partial (quiet queue), once its oldest order has waited this long. */
  BATCH_MAX_WAIT_MS: integer(5, { min: 0, max: 10_000 }),
  /** BullMQ lock duration; a job whose worker stops renewing it is recovered as stalled. */
  LOCK_DURATION_MS: integer(30_000, { min: 1_000, max: 3_600_000 }),
  STALLED_INTERVAL_MS: integer(30_000, { min: 1_000, max: 3_600_000 }),
  /** Times a job may come back from a dead worker before it is failed; each crash holding it counts once. */
  MAX_STALLED_COUNT: integer(5, { min: 0, max: 1_000 }),
  /** How long a webhook's or account's state is reused; disabling an account takes effect within it. */
  OWNER_CACHE_TTL_MS: integer(5_000, { min: 0, max: 3_600_000 }),
  METRICS_PORT: port(9464),
  METRICS_HOST: z.string().trim().min(1).default("::"),
  SHUTDOWN_TIMEOUT_MS: shutdownTimeout(25_000),
});

export type WorkerEnv = z.infer<typeof workerEnvSchema>;
