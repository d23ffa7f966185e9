import { hostname } from "node:os";
import { loadEnv, workerEnvSchema } from "@orderhook/config";
import { createDbClient } from "@orderhook/db";
import { checkRedisPolicy, createLogger } from "@orderhook/observability";
import { createOrderQueue, createRedis, ORDER_QUEUE_NAME } from "@orderhook/queue";
import { pino } from "pino";
import { checkDatabase } from "./check-database";
import { createMetricsServer } from "./create-metrics-server";
import { createWorker } from "./create-worker";
import { createWorkerMetrics } from "./worker-metrics";

const env = loadEnv(workerEnvSchema);
// Asynchronous stdout: one line per job at 10,000 jobs/s must not cost a syscall each.
const destination = pino.destination({ sync: false, minLength: 4096 });
const logger = createLogger({ name: "orderhook-worker", level: env.LOG_LEVEL, destination });
const redis = createRedis(env.REDIS_URL, { maxRetriesPerRequest: null, connectionName: "orderhook-worker" });
redis.on("error", (error) => logger.warn({ err: error }, "redis connection error"));
const db = createDbClient({
  url: env.DATABASE_URL,
  max: env.DB_POOL_MAX,
  applicationName: "orderhook-worker",
  connectTimeoutSeconds: env.DB_CONNECT_TIMEOUT_SECONDS,
  idleTimeoutSeconds: env.DB_IDLE_TIMEOUT_SECONDS,
  statementTimeoutMs: env.DB_STATEMENT_TIMEOUT_MS,
});

try {
  await checkRedisPolicy(redis, { allowEviction: env.REDIS_ALLOW_EVICTION, logger });
  await checkDatabase(db.sql);
} catch (error) {
  logger.fatal({ err: error }, `start-up check failed: ${(error as Error).message}`);
  destination.flushSync();
  process.exit(1);
}

const queue = createOrderQueue(redis, env.QUEUE_PREFIX);
const settings = {
  concurrency: env.WORKER_CONCURRENCY,
  batchMaxSize: env.BATCH_MAX_SIZE,
  batchMaxWaitMs: env.BATCH_MAX_WAIT_MS,
  maxAttempts: env.JOB_ATTEMPTS,
  lockDurationMs: env.LOCK_DURATION_MS,
  stalledIntervalMs: env.STALLED_INTERVAL_MS,
  ownerCacheTtlMs: env.OWNER_CACHE_TTL_MS,
  name: `${hostname()}:${process.pid}`,
};
let writerBusy = () => 0;
const metrics = createWorkerMetrics({
  queueCounts: () => queue.getJobCounts("waiting", "active", "delayed", "prioritized", "failed", "completed"),
  dbPool: { max: env.DB_POOL_MAX, busy: () => writerBusy() },
});
const orders = createWorker({
  connection: redis,
  prefix: env.QUEUE_PREFIX,
  sql: db.sql,
  logger,
  metrics,
  settings,
});
writerBusy = orders.writer.busy;
const server = createMetricsServer({
  registry: metrics.registry,
  ready: async () =>
    orders.worker.isRunning() && (await redis.ping()) === "PONG" && (await db.sql`select 1`).length === 1,
});
server.listen(env.METRICS_PORT, env.METRICS_HOST);
logger.info(
  { queue: ORDER_QUEUE_NAME, prefix: env.QUEUE_PREFIX, metricsPort: env.METRICS_PORT, ...settings },
  "worker started",
);

async function shutdown(signal: string) {
  logger.info({ signal }, "stopping: no new jobs, finishing active ones");
  setTimeout(() => {
    logger.error(
      { timeoutMs: env.SHUTDOWN_TIMEOUT_MS },
      "shutdown timed out; unfinished jobs will be recovered as stalled",
    );
    destination.flushSync();
    process.exit(1);
  }, env.SHUTDOWN_TIMEOUT_MS).unref();
  await orders.close();
  server.close();
  await queue.close();
  await db.close();
  await redis.quit();
  logger.info("stopped");
  destination.flushSync();
  process.exit(0);
}
process.once("SIGTERM", () => void shutdown("SIGTERM"));
process.once("SIGINT", () => void shutdown("SIGINT"));
