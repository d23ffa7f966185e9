import type { Server } from "node:http";
import { hostname } from "node:os";
import type { WorkerEnv } from "@orderhook/config";
import { createDbClient } from "@orderhook/db";
import { checkRedisPolicy, type Logger } from "@orderhook/observability";
import {
  createOrderQueue,
  createRedisClient,
  duplicateClient,
  masterConnections,
  ORDER_QUEUE_NAME,
  parseWebhookEvent,
  queueShards,
  subscribeToWebhookEventsChannel,
} from "@orderhook/queue";
import { checkDatabase } from "./check-database";
import { createMetricsServer } from "./create-metrics-server";
import { createWorker } from "./create-worker";
import { createWorkerMetrics } from "./worker-metrics";

export interface RunningWorker {
  /** Stops taking jobs, finishes active ones and their batch, closes every connection. */
  close(): Promise<void>;
}

/**
 * Connects, runs the start-up checks (Redis must not evict, Postgres reachable and migrated),
 * then starts consuming and serves metrics. Throws when a check fails.
 */
export async function startWorker(env: WorkerEnv, logger: Logger): Promise<RunningWorker> {
  const redis = createRedisClient(env, {
    maxRetriesPerRequest: null,
    connectionName: "orderhook-worker",
  });
  redis.on("error", (error) => logger.warn({ err: error }, "redis connection error"));
  const db = createDbClient({
    url: env.DATABASE_URL,
    poolMode: env.DATABASE_POOL_MODE,
    max: env.DB_POOL_MAX,
    applicationName: "orderhook-worker",
    connectTimeoutSeconds: env.DB_CONNECT_TIMEOUT_SECONDS,
    idleTimeoutSeconds: env.DB_IDLE_TIMEOUT_SECONDS,
    statementTimeoutMs: env.DB_STATEMENT_TIMEOUT_MS,
    // Every worker query passes scalars or one JSON text; a connection killed while it fetched
    // array types would otherwise crash the worker with an unhandled rejection.
    fetchTypes: false,
  });
  try {
    for (const master of masterConnections(redis)) {
      await checkRedisPolicy(master, { allowEviction: env.REDIS_ALLOW_EVICTION, logger });
    }
    await checkDatabase(db.sql);
  } catch (error) {
    redis.disconnect();
    await db.close(0);
    throw error;
  }

  const shards = queueShards(env.QUEUE_PREFIX, env.QUEUE_SHARDS, env.QUEUE_SHARDS_PREVIOUS);
  // Every shard by default, the old ones too while the count changes: nothing is left behind.
  const consumed = env.WORKER_SHARDS ?? shards.prefixes.map((_, shard) => shard);
  const queues = consumed.map((shard) => ({
    shard,
    queue: createOrderQueue(redis, shards.prefixes[shard]!),
  }));
  const settings = {
    // The process's concurrency is shared by the shards it consumes (its Postgres pool is too).
    concurrency: Math.max(1, Math.floor(env.WORKER_CONCURRENCY / consumed.length)),
    batchMaxSize: env.BATCH_MAX_SIZE,
    batchMaxWaitMs: env.BATCH_MAX_WAIT_MS,
    // Each shard's consumer sees its share of the arrivals.
    burstYieldRate: Math.max(1, Math.ceil(env.BURST_YIELD_RATE / consumed.length)),
    burstYieldMaxMs: env.BURST_YIELD_MAX_MS,
    maxAttempts: env.JOB_ATTEMPTS,
    lockDurationMs: env.LOCK_DURATION_MS,
    stalledIntervalMs: env.STALLED_INTERVAL_MS,
    maxStalledCount: env.MAX_STALLED_COUNT,
    ownerCacheTtlMs: env.OWNER_CACHE_TTL_MS,
    name: `${hostname()}:${process.pid}`,
  };
  const metrics = createWorkerMetrics({
    queueCounts: () =>
      Promise.all(
        queues.map(async ({ shard, queue }) => ({
          shard,
          counts: await queue.getJobCounts(
            "waiting",
            "active",
            "delayed",
            "prioritized",
            "failed",
            "completed",
          ),
        })),
      ),
    dbPool: {
      max: env.DB_POOL_MAX,
      busy: () => workers.reduce((sum, orders) => sum + orders.writer.busy(), 0),
    },
  });
  const workers = consumed.map((shard) =>
    createWorker({
      connection: redis,
      prefix: shards.prefixes[shard]!,
      sql: db.sql,
      logger: consumed.length === 1 ? logger : logger.child({ shard }),
      metrics,
      settings,
    }),
  );
  // A revoked webhook takes effect at once here too, not after OWNER_CACHE_TTL_MS.
  const events = duplicateClient(redis, { connectionName: "orderhook-worker-events" });
  events.on("error", (error) => logger.warn({ err: error }, "redis events connection error"));
  events.on("message", (_channel: string, message: string) => {
    const event = parseWebhookEvent(message);
    if (event !== null) for (const orders of workers) orders.owners.forget(event.webhookId);
  });
  await subscribeToWebhookEventsChannel(events, env.QUEUE_PREFIX);
  const server: Server = createMetricsServer({
    registry: metrics.registry,
    ready: async () =>
      workers.every((orders) => orders.isRunning()) &&
      (await redis.ping()) === "PONG" &&
      (await db.sql`select 1`).length === 1,
    onError: (error) => logger.warn({ err: (error as Error).message }, "metrics endpoint failed"),
  });
  server.listen(env.METRICS_PORT, env.METRICS_HOST);
  logger.info(
    {
      queue: ORDER_QUEUE_NAME,
      prefix: env.QUEUE_PREFIX,
      shards: consumed,
      metricsPort: env.METRICS_PORT,
      ...settings,
    },
    "worker started",
  );

  return {
    async close() {
      await Promise.all(workers.map((orders) => orders.close()));
      events.disconnect();
      server.close();
      await Promise.all(queues.map(({ queue }) => queue.close()));
      await db.close();
      await redis.quit();
    },
  };
}
