import { createDbClient, type DbClient } from "@orderhook/db";
import { createOrderQueue, createRedis, type OrderQueue } from "@orderhook/queue";
import {
  createFixture,
  type FixtureOptions,
  testDatabaseUrl,
  testRedisUrl,
  uniquePrefix,
} from "@orderhook/testing";
import type { Hono } from "hono";
import type { Redis } from "ioredis";
import { type AppDeps, createApp } from "../src/app";
import type { AppEnv } from "../src/app-env";
import { type CredentialCache, createCredentialCache } from "../src/credential-cache";
import { createCredentialLoader } from "../src/credential-loader";
import { createProducerConnection } from "../src/producer-connection";
import { subscribeToWebhookEvents } from "../src/webhook-events-subscription";

export interface TestReceiver {
  app: Hono<AppEnv>;
  /** BullMQ's connection; the admission script has one of its own, as in production. */
  redis: Redis;
  queue: OrderQueue;
  db: DbClient;
  prefix: string;
  credentials: CredentialCache;
  fixture: (options?: FixtureOptions) => ReturnType<typeof createFixture>;
  close: () => Promise<void>;
}

/** The real app over the run's Postgres and Redis, under a prefix of its own (test support). */
export async function createTestReceiver(
  overrides: Partial<AppDeps> & {
    redisUrl?: string;
    credentialTtlMs?: number;
    subscribe?: boolean;
    redisTimeoutMs?: number;
  } = {},
): Promise<TestReceiver> {
  const prefix = uniquePrefix("rcv");
  // Generous by default: a loaded test machine must not turn a slow event loop into 503s.
  const redisUrl = overrides.redisUrl ?? testRedisUrl();
  const timeoutMs = overrides.redisTimeoutMs ?? 5_000;
  const redis = createProducerConnection(redisUrl, timeoutMs, "queue");
  const admissionRedis = createProducerConnection(redisUrl, timeoutMs, "admission");
  // Outage tests stop Redis under these connections; reconnect errors are expected there.
  for (const connection of [redis, admissionRedis]) connection.on("error", () => {});
  await Promise.all(
    [redis, admissionRedis].map(
      (connection) =>
        new Promise<void>((resolve, reject) => {
          connection.once("ready", resolve);
          connection.once("error", reject);
        }),
    ),
  );
  const db = createDbClient({ url: testDatabaseUrl(), max: 2, applicationName: "orderhook-receiver-test" });
  const queue = createOrderQueue(redis, prefix);
  queue.on("error", () => {});
  const credentials = createCredentialCache({
    load: createCredentialLoader(db.db),
    ttlMs: overrides.credentialTtlMs ?? 5_000,
  });
  const subscriber = overrides.subscribe ? createRedis(redisUrl) : null;
  if (subscriber !== null) await subscribeToWebhookEvents(subscriber, prefix, credentials);
  const app = createApp({
    redis,
    admissionRedis,
    queue,
    db: db.db,
    credentials,
    prefix,
    bodyLimitBytes: 65_536,
    defaultRatePerSecond: 1_000,
    idempotencyTtlSeconds: 86_400,
    dedupWindowMs: 1_000,
    ...overrides,
  });
  return {
    app,
    redis,
    queue,
    db,
    prefix,
    credentials,
    fixture: (options) => createFixture(db.db, options),
    close: async () => {
      await queue.close();
      subscriber?.disconnect();
      admissionRedis.disconnect();
      redis.disconnect();
      await db.close();
    },
  };
}

export const buyAlert = { ticker: "AAPL", action: "buy", quantity: 10 };
