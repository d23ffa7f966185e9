import type { ReceiverEnv } from "@orderhook/config";
import { createDbClient } from "@orderhook/db";
import { checkRedisPolicy, type Logger } from "@orderhook/observability";
import {
  createOrderQueue,
  createRedisClient,
  masterConnections,
  queueShards,
  type RedisClient,
  type ShardPlacement,
  shardPlacement,
} from "@orderhook/queue";
import type { Hono } from "hono";
import { createActiveTokenLoader } from "./active-token-loader";
import { createActiveTokens } from "./active-tokens";
import { createAdminApp } from "./admin-app";
import { createApp } from "./app";
import type { AppEnv } from "./app-env";
import { checkDatabase } from "./check-database";
import type { ClusterMetricsMember } from "./cluster-metrics";
import { createCredentialCache } from "./credential-cache";
import { createCredentialLoader } from "./credential-loader";
import { type CredentialSync, startCredentialSync } from "./credential-sync";
import { createProducerConnection } from "./producer-connection";
import { createReceiverMetrics } from "./receiver-metrics";

const QUEUE_SAMPLE_INTERVAL_MS = 5_000;
/** How long start-up waits for Redis before giving up (the platform restarts the process). */
const REDIS_STARTUP_TIMEOUT_MS = 30_000;

export interface Receiver {
  app: Hono<AppEnv>;
  /** `/metrics` and the dashboard, for the admin listener; null when both are off. */
  adminApp: Hono<AppEnv> | null;
  /** Marks the receiver not ready (so /readyz answers 503 while draining). */
  beginShutdown(): void;
  close(): Promise<void>;
}

function waitForReady(redis: RedisClient, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`Redis not reachable within ${timeoutMs} ms`)),
      timeoutMs,
    );
    redis.once("ready", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

export interface ReceiverOptions {
  /** Set in a child of `superviseReceivers`: `/metrics` answers for every receiver process. */
  clusterMetrics?: ClusterMetricsMember | null;
}

/**
 * On a cluster: where each queue shard landed. Shards sharing a master do not spread that
 * master's load (docs/redis-cluster.md: choose the prefix, or move the slot).
 */
function logShardPlacement(placement: ShardPlacement[] | null, logger: Logger): void {
  if (placement === null) return;
  logger.info({ shards: placement }, "queue shards on the cluster");
  const masters = new Set(placement.map((shard) => shard.master));
  if (masters.size < placement.length) {
    logger.warn({ shards: placement }, "queue shards share a Redis master; see docs/redis-cluster.md");
  }
}

/** Connections, start-up checks and the app, from the validated environment. */
export async function createReceiver(
  env: ReceiverEnv,
  logger: Logger,
  options: ReceiverOptions = {},
): Promise<Receiver> {
  const redis = createProducerConnection(env, env.REDIS_TIMEOUT_MS, "queue");
  const admissionRedis = createProducerConnection(env, env.REDIS_TIMEOUT_MS, "admission");
  const subscriber = createRedisClient(env, { connectionName: "orderhook-receiver-events" });
  for (const connection of [redis, admissionRedis, subscriber]) {
    connection.on("error", (error: Error) => logger.warn({ err: error.message }, "redis connection error"));
  }
  const db = createDbClient({
    url: env.DATABASE_URL,
    poolMode: env.DATABASE_POOL_MODE,
    max: env.DB_POOL_MAX,
    applicationName: "orderhook-receiver",
    connectTimeoutSeconds: env.DB_CONNECT_TIMEOUT_SECONDS,
    idleTimeoutSeconds: env.DB_IDLE_TIMEOUT_SECONDS,
    statementTimeoutMs: env.DB_STATEMENT_TIMEOUT_MS,
  });
  let sync: CredentialSync | null = null;
  const close = async () => {
    sync?.stop();
    await Promise.allSettled([...queues.map((queue) => queue.close()), db.close()]);
    subscriber.disconnect();
    admissionRedis.disconnect();
    redis.disconnect();
  };
  const shards = queueShards(env.QUEUE_PREFIX, env.QUEUE_SHARDS, env.QUEUE_SHARDS_PREVIOUS);
  // One BullMQ queue per shard, all on the one connection (a cluster client routes each by slot).
  const queues = shards.prefixes.map((prefix) => {
    const queue = createOrderQueue(redis, prefix, {
      retry: { attempts: env.JOB_ATTEMPTS, backoffMs: env.JOB_BACKOFF_MS },
    });
    queue.on("error", (error: Error) => logger.warn({ err: error.message }, "queue error"));
    return queue;
  });
  const queue = queues[0]!;

  try {
    await Promise.all([
      waitForReady(redis, REDIS_STARTUP_TIMEOUT_MS),
      waitForReady(admissionRedis, REDIS_STARTUP_TIMEOUT_MS),
    ]);
    for (const master of masterConnections(redis)) {
      await checkRedisPolicy(master, { allowEviction: env.REDIS_ALLOW_EVICTION, logger });
    }
    await checkDatabase(db);
  } catch (error) {
    await close();
    throw error;
  }

  const activeTokens = createActiveTokens();
  const metrics = env.METRICS_ENABLED
    ? createReceiverMetrics({
        credentialCacheSize: () => credentials.size,
        activeTokens: () => activeTokens.size,
      })
    : null;
  const clusterMetrics = options.clusterMetrics ?? null;
  if (metrics && clusterMetrics) clusterMetrics.share(metrics.registry);
  const loadCredentials = createCredentialLoader(db.db);
  const credentials = createCredentialCache({
    load: metrics
      ? (hash) => metrics.trackQuery("credentials", () => loadCredentials(hash))
      : loadCredentials,
    activeTokens,
    ttlMs: env.CREDENTIAL_CACHE_TTL_MS,
    maxConcurrentLoads: env.CREDENTIAL_LOAD_CONCURRENCY,
    loadTimeoutMs: env.CREDENTIAL_LOAD_TIMEOUT_MS,
    onRefreshError: (error) => logger.warn({ err: (error as Error).message }, "credential refresh failed"),
  });
  try {
    // Loads the active token set before the first request can be answered.
    sync = await startCredentialSync({
      subscriber,
      redis,
      prefix: env.QUEUE_PREFIX,
      cache: credentials,
      activeTokens,
      loader: createActiveTokenLoader(db.db),
      reconcileIntervalMs: env.CREDENTIAL_RECONCILE_INTERVAL_MS,
      onError: (error, what) =>
        logger.warn({ err: (error as Error).message, what }, "credential sync failed"),
    });
    await Promise.all(queues.map((one) => one.waitUntilReady()));
  } catch (error) {
    await close();
    throw error;
  }
  logShardPlacement(shardPlacement(redis, shards.prefixes), logger);

  const stopSampling = metrics?.sampleQueues(queues, QUEUE_SAMPLE_INTERVAL_MS);
  let shuttingDown = false;
  // The request record holds fixed fields only (route pattern, never the path), so the access
  // log skips redaction, which measured about three times the cost of the line itself.
  const requestLogger = logger.child({}, { redact: [] });

  const app = createApp({
    redis,
    admissionRedis,
    queue,
    shards: { shards, queues },
    waitReplicas: env.REDIS_WAIT_REPLICAS,
    waitTimeoutMs: env.REDIS_WAIT_TIMEOUT_MS,
    db: db.db,
    credentials,
    trustedProxyHops: env.TRUST_PROXY,
    authFailureLimit: { perSecond: env.AUTH_FAILURE_LIMIT_PER_SECOND, burst: env.AUTH_FAILURE_BURST },
    refusalLimit: { perSecond: env.REFUSAL_LIMIT_PER_SECOND, burst: env.REFUSAL_BURST },
    prefix: env.QUEUE_PREFIX,
    bodyLimitBytes: env.BODY_LIMIT_BYTES,
    defaultRatePerSecond: env.RATE_LIMIT_PER_SECOND,
    idempotencyTtlSeconds: env.IDEMPOTENCY_TTL_SECONDS,
    dedupWindowMs: env.DEDUP_WINDOW_MS,
    deliveryLog: {
      maxEntries: env.DELIVERY_LOG_MAX_ENTRIES,
      maxAgeMs: env.DELIVERY_LOG_MAX_AGE_SECONDS * 1000,
    },
    onDeliveryLogError: (error) => {
      metrics?.recordDeliveryLogError();
      logger.warn({ err: (error as Error).message }, "deliveries log entry not written");
    },
    isShuttingDown: () => shuttingDown,
    onRequest: (record) => {
      metrics?.recordRequest(record);
      requestLogger.info(record, "request");
    },
    onEnqueued: metrics ? (ms) => metrics.recordEnqueue(ms) : undefined,
    onError: (error, requestId) => logger.error({ err: error, requestId }, "unhandled error"),
  });

  const dashboard =
    env.BULL_BOARD_USER !== undefined && env.BULL_BOARD_PASSWORD !== undefined
      ? {
          username: env.BULL_BOARD_USER,
          password: env.BULL_BOARD_PASSWORD,
          readOnly: env.BULL_BOARD_READ_ONLY,
        }
      : null;
  const adminApp =
    metrics === null && dashboard === null
      ? null
      : createAdminApp({
          metrics,
          renderMetrics: clusterMetrics ? () => clusterMetrics.render() : undefined,
          queues,
          dashboard,
          onError: (error, requestId) => logger.error({ err: error, requestId }, "unhandled admin error"),
        });

  return {
    app,
    adminApp,
    beginShutdown: () => {
      shuttingDown = true;
    },
    close: async () => {
      stopSampling?.();
      await close();
    },
  };
}
