import { randomBytes } from "node:crypto";
import { broadcastWebhookChange } from "@orderhook/admin";
import type { ConsoleEnv } from "@orderhook/config";
import { createDbClient } from "@orderhook/db";
import { createDeliveryReader } from "@orderhook/deliveries";
import type { Logger } from "@orderhook/observability";
import { createRedisClient, queueShards } from "@orderhook/queue";
import type { Hono } from "hono";
import { createConsoleApp } from "./app";
import type { ConsoleAppEnv } from "./app-env";
import { checkDatabase } from "./check-database";
import { combineEventSources } from "./console-events";
import { createDeliveryEvents } from "./delivery-events";
import { createDeliveryLog } from "./delivery-log";
import { createOrderStatusEvents } from "./order-status-events";
import { createTestAlertSender } from "./send-test-alert";
import { createSessions } from "./session";

export interface ConsoleService {
  app: Hono<ConsoleAppEnv>;
  close(): Promise<void>;
}

/** Whether the session cookie is `Secure`: as configured, or (auto) when the console's public URL is https. */
export function secureCookie(env: Pick<ConsoleEnv, "CONSOLE_COOKIE_SECURE" | "CONSOLE_PUBLIC_URL">): boolean {
  if (env.CONSOLE_COOKIE_SECURE !== "auto") return env.CONSOLE_COOKIE_SECURE === "true";
  return env.CONSOLE_PUBLIC_URL?.startsWith("https:") ?? false;
}

/** Connections, start-up checks and the app, from the validated environment. */
export async function createConsole(
  env: ConsoleEnv,
  logger: Logger,
  shutdown: AbortSignal,
): Promise<ConsoleService> {
  let secret = env.CONSOLE_SESSION_SECRET;
  if (secret === undefined) {
    // Only outside production (the schema requires one there): sessions end with the process.
    secret = randomBytes(32).toString("base64url");
    logger.warn(
      "CONSOLE_SESSION_SECRET is unset: using a random key, so sessions end when the console stops",
    );
  }
  const db = createDbClient({
    url: env.DATABASE_URL,
    poolMode: env.DATABASE_POOL_MODE,
    max: env.DB_POOL_MAX,
    applicationName: "orderhook-console",
    connectTimeoutSeconds: env.DB_CONNECT_TIMEOUT_SECONDS,
    idleTimeoutSeconds: env.DB_IDLE_TIMEOUT_SECONDS,
    statementTimeoutMs: env.DB_STATEMENT_TIMEOUT_MS,
  });
  try {
    await checkDatabase(db.sql);
  } catch (error) {
    await db.close();
    throw error;
  }

  // Reads the deliveries log (pages and the live feed); a Redis that is down fails those reads
  // with 503 and the next poll retries, the rest of the console keeps working.
  // REDIS_URL or the cluster, and the queue shards: a user's streams are under their shard's prefix.
  const redis = createRedisClient(env, { connectionName: "orderhook-console", maxRetriesPerRequest: 1 });
  redis.on("error", (error: Error) => logger.warn({ err: error.message }, "redis connection error"));
  const deliveries = createDeliveryReader({
    redis,
    db: db.db,
    prefix: queueShards(env.QUEUE_PREFIX, env.QUEUE_SHARDS),
    maxAgeMs: env.DELIVERY_LOG_MAX_AGE_SECONDS * 1000,
  });
  const events = combineEventSources([
    createDeliveryEvents({
      redis,
      reader: deliveries,
      intervalMs: env.CONSOLE_DELIVERY_POLL_INTERVAL_MS,
      onError: (error) => logger.warn({ err: (error as Error).message }, "deliveries poll failed"),
    }),
    createOrderStatusEvents({
      db: db.db,
      intervalMs: env.CONSOLE_POLL_INTERVAL_MS,
      onError: (error) => logger.warn({ err: (error as Error).message }, "order status poll failed"),
    }),
  ]);
  const requestLogger = logger.child({}, { redact: [] });

  const app = createConsoleApp({
    db: db.db,
    sessions: createSessions({
      secret,
      ttlSeconds: env.CONSOLE_SESSION_TTL_SECONDS,
      secure: secureCookie(env),
    }),
    operatorPassword: env.CONSOLE_ADMIN_PASSWORD ?? null,
    events,
    deliveryLog: createDeliveryLog(deliveries),
    sendTestAlert: createTestAlertSender({ receiverUrl: env.CONSOLE_RECEIVER_URL }),
    broadcast: async (event) => {
      const result = await broadcastWebhookChange(env, env.QUEUE_PREFIX, event);
      if (!result.delivered) {
        logger.warn(
          { webhookId: event.webhookId, type: event.type, err: result.error },
          "receivers not told of a webhook change",
        );
      }
      return result;
    },
    receiverPublicUrl: env.PUBLIC_URL ?? env.CONSOLE_RECEIVER_URL,
    receiverUrl: env.CONSOLE_RECEIVER_URL,
    publicOrigin: env.CONSOLE_PUBLIC_URL === undefined ? null : new URL(env.CONSOLE_PUBLIC_URL).origin,
    trustedProxyHops: env.TRUST_PROXY,
    signInLimit: { perSecond: env.CONSOLE_SIGN_IN_LIMIT_PER_MINUTE / 60, burst: env.CONSOLE_SIGN_IN_BURST },
    isReady: async () => {
      await db.sql`select 1`;
      return true;
    },
    shutdown,
    // Route patterns and ids only: tokens travel in form bodies, which are never logged.
    onRequest: (record) => requestLogger.info(record, "request"),
    onError: (error, requestId) => logger.error({ err: error, requestId }, "unhandled error"),
  });

  return {
    app,
    close: async () => {
      await events.close();
      redis.disconnect();
      await db.close();
    },
  };
}
