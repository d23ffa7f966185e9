import { createDbClient, type DbClient, hashToken } from "@orderhook/db";
import { createOrderQueue, createRedis, type OrderQueue } from "@orderhook/queue";
import {
  createFixture,
  createSiblingWebhook,
  type Fixture,
  type FixtureOptions,
  testDatabaseUrl,
  testRedisUrl,
  uniquePrefix,
} from "@orderhook/testing";
import type { Hono } from "hono";
import type { Redis } from "ioredis";

import { afterAll, beforeAll } from "vitest";
import { createActiveTokenLoader } from "../src/active-token-loader";
import { type ActiveTokens, createActiveTokens } from "../src/active-tokens";
import { type AppDeps, createApp } from "../src/app";
import type { AppEnv } from "../src/app-env";
import {
  type CredentialCache,
  type CredentialCacheOptions,
  createCredentialCache,
} from "../src/credential-cache";
import { createCredentialLoader } from "../src/credential-loader";
import { type CredentialSync, startCredentialSync } from "../src/credential-sync";
import { createProducerConnection } from "../src/producer-connection";

export interface TestReceiver {
  app: Hono<AppEnv>;
  /** BullMQ's connection; the admission script has one of its own, as in production. */
  redis: Redis;
  queue: OrderQueue;
  db: DbClient;
  prefix: string;
  credentials: CredentialCache;
  activeTokens: ActiveTokens;
  /** Present with `subscribe: true`: the receiver follows credential events as in production. */
  sync: CredentialSync | null;
  fixture: (options?: FixtureOptions) => ReturnType<typeof createFixture>;
  /** Another webhook of `owner`'s user, on a new account unless `sameAccount`. */
  sibling: (owner: Fixture, options?: { sameAccount?: boolean; signingSecret?: boolean }) => Promise<Fixture>;
  close: () => Promise<void>;
}

/** The real app over the run's Postgres and Redis, under a prefix of its own (test support). */
export async function createTestReceiver(
  overrides: Partial<AppDeps> & {
    redisUrl?: string;
    credentialTtlMs?: number;
    /** Load bounds of the credential cache (`maxConcurrentLoads`, `loadTimeoutMs`) and the like. */
    cache?: Partial<CredentialCacheOptions>;
    subscribe?: boolean;
    /** With `subscribe`: where the event subscriber connects (e.g. through a fault proxy); `redisUrl` otherwise. */
    subscriberRedisUrl?: string;
    /** With `subscribe`: how often the change counter is checked and the set reloaded. */
    versionCheckIntervalMs?: number;
    reconcileIntervalMs?: number;
    redisTimeoutMs?: number;
  } = {},
): Promise<TestReceiver> {
  const prefix = uniquePrefix("rcv");
  // Generous by default: a loaded test machine must not turn a slow event loop into 503s.
  const redisUrl = overrides.redisUrl ?? testRedisUrl();
  const timeoutMs = overrides.redisTimeoutMs ?? 5_000;
  // A URL is one node: the clients are plain ioredis connections.
  const redis = createProducerConnection(redisUrl, timeoutMs, "queue") as Redis;
  const admissionRedis = createProducerConnection(redisUrl, timeoutMs, "admission") as Redis;
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
  const activeTokens = createActiveTokens();
  const credentials = createCredentialCache({
    load: createCredentialLoader(db.db),
    activeTokens,
    ttlMs: overrides.credentialTtlMs ?? 5_000,
    ...overrides.cache,
  });
  const tokenLoader = createActiveTokenLoader(db.db);
  const subscriber = overrides.subscribe ? createRedis(overrides.subscriberRedisUrl ?? redisUrl) : null;
  subscriber?.on("error", () => {});
  const sync =
    subscriber === null
      ? null
      : await startCredentialSync({
          subscriber,
          redis,
          prefix,
          cache: credentials,
          activeTokens,
          loader: tokenLoader,
          reconcileIntervalMs: overrides.reconcileIntervalMs ?? 60_000,
          versionCheckIntervalMs: overrides.versionCheckIntervalMs,
        });
  if (sync === null) activeTokens.replace(await tokenLoader.all());
  // Fixtures are written straight to Postgres: the receiver learns their tokens as from an event.
  const known = (fixture: Fixture) => {
    activeTokens.add(hashToken(fixture.token));
    return fixture;
  };
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
    activeTokens,
    sync,
    fixture: async (options) => known(await createFixture(db.db, options)),
    sibling: async (owner, options) => known(await createSiblingWebhook(db.db, owner, options)),
    close: async () => {
      sync?.stop();
      await queue.close();
      subscriber?.disconnect();
      admissionRedis.disconnect();
      redis.disconnect();
      await db.close();
    },
  };
}

export const buyAlert = { ticker: "AAPL", action: "buy", quantity: 10 };

/**
 * The test receiver and one fixture for all the tests of a file: created before the first,
 * closed after the last (read them inside tests and hooks).
 */
export function receiverForFile(overrides?: Parameters<typeof createTestReceiver>[0]): {
  r: TestReceiver;
  f: Fixture;
} {
  const file = {} as { r: TestReceiver; f: Fixture };
  beforeAll(async () => {
    file.r = await createTestReceiver(overrides);
    file.f = await file.r.fixture();
  });
  afterAll(async () => {
    await file.r?.close();
  });
  return file;
}
