import { z } from "zod";
import { appFields, processFields, shutdownTimeout } from "./common";
import { integer, port } from "./fields";
import { checkRedisScale, workerShards } from "./redis-scale";

export const workerEnvSchema = z
  .object({
    ...processFields,
    ...appFields,
    WORKER_CONCURRENCY: integer(200, { min: 1, max: 10_000 }).describe(
      "Jobs one worker process holds at once, taken from Redis as two batches of half; a batch shares one INSERT.",
    ),
    BATCH_MAX_SIZE: integer(500, { min: 1, max: 5_000 }).describe(
      "Write a batch once it holds this many orders…",
    ),
    BATCH_MAX_WAIT_MS: integer(5, { min: 0, max: 10_000 }).describe(
      "…or, when it is partial (a quiet queue), once its oldest order has waited this long.",
    ),
    BURST_YIELD_RATE: integer(2_000, { min: 1, max: 10_000_000 }).describe(
      "Jobs arriving per second from which the worker treats the queue as in a burst and takes no jobs, leaving the cores to the acknowledgements; the burst ends when arrivals over 100 ms fall below it.",
    ),
    BURST_YIELD_MAX_MS: integer(3_000, { min: 0, max: 60_000 }).describe(
      "Longest one burst holds the worker back, so rows follow at most this much later than they would (0: never pause); the default is TradingView's 3 s timeout, past which no sender is still waiting.",
    ),
    LOCK_DURATION_MS: integer(30_000, { min: 1_000, max: 3_600_000 }).describe(
      "BullMQ job lock; a job whose worker stops renewing it is recovered as stalled.",
    ),
    STALLED_INTERVAL_MS: integer(30_000, { min: 1_000, max: 3_600_000 }).describe(
      "How often stalled jobs are looked for; give every worker the same value.",
    ),
    MAX_STALLED_COUNT: integer(5, { min: 0, max: 1_000 }).describe(
      "Times a job may come back from a dead worker before it is failed (its row then says `failed`, reason `stalled: …`; replay with `jobs retry`).",
    ),
    OWNER_CACHE_TTL_MS: integer(5_000, { min: 0, max: 3_600_000 }).describe(
      "How long a webhook's or account's state is reused; disabling an account takes effect within it.",
    ),
    METRICS_PORT: port(9464).describe("Port of the worker's `/metrics`, `/healthz` and `/readyz`."),
    METRICS_HOST: z
      .string()
      .trim()
      .min(1)
      .default("::")
      .describe("Listen address of that server (`::`: IPv6 and IPv4)."),
    SHUTDOWN_TIMEOUT_MS: shutdownTimeout(25_000),
    WORKER_SHARDS: workerShards.describe(
      "The queue shards this worker consumes (`0,2`); unset: every shard (and, while `QUEUE_SHARDS` changes, the old ones).",
    ),
  })
  .superRefine(checkRedisScale)
  .superRefine((env, ctx) => {
    const shards = Math.max(env.QUEUE_SHARDS, env.QUEUE_SHARDS_PREVIOUS);
    if (env.WORKER_SHARDS?.some((shard) => shard >= shards)) {
      ctx.addIssue({
        code: "custom",
        path: ["WORKER_SHARDS"],
        message: `expected shard numbers below ${shards} (QUEUE_SHARDS)`,
      });
    }
  });

export type WorkerEnv = z.infer<typeof workerEnvSchema>;
