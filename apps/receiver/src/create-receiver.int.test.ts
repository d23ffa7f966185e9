import { parseEnv, receiverEnvSchema } from "@orderhook/config";
import { createDbClient, ensureDatabase } from "@orderhook/db";
import { createLogger, RedisPolicyError } from "@orderhook/observability";
import {
  createFixture,
  type Fixture,
  RedisServer,
  scratchDatabase,
  testDatabaseUrl,
  testRedisUrl,
  uniquePrefix,
  waitUntil,
} from "@orderhook/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buyAlert } from "../test/receiver-harness";
import { DatabaseNotReadyError } from "./check-database";
import { createReceiver, type Receiver } from "./create-receiver";

function envWith(overrides: Record<string, string> = {}) {
  return parseEnv(receiverEnvSchema, {
    DATABASE_URL: testDatabaseUrl(),
    REDIS_URL: testRedisUrl(),
    QUEUE_PREFIX: uniquePrefix("boot"),
    ...overrides,
  });
}

function memoryLogger() {
  const lines: string[] = [];
  const logger = createLogger({
    name: "receiver",
    level: "info",
    destination: { write: (line: string) => lines.push(line) },
  });
  return { lines, logger };
}

describe("createReceiver start-up checks", () => {
  it("refuses a Redis that may evict keys, unless REDIS_ALLOW_EVICTION is set", async () => {
    const redis = await RedisServer.start({ appendonly: false, args: ["--maxmemory-policy", "allkeys-lru"] });
    try {
      const { logger, lines } = memoryLogger();
      await expect(createReceiver(envWith({ REDIS_URL: redis.url }), logger)).rejects.toBeInstanceOf(
        RedisPolicyError,
      );
      const allowed = await createReceiver(
        envWith({ REDIS_URL: redis.url, REDIS_ALLOW_EVICTION: "true" }),
        logger,
      );
      await allowed.close();
      expect(lines.join("\n")).toContain("REDIS_ALLOW_EVICTION is set");
    } finally {
      await redis.cleanup();
    }
  });

  it("refuses a database without the orderhook tables, naming the migrate command", async () => {
    const scratch = scratchDatabase("rcv");
    try {
      await ensureDatabase(scratch.url);
      const { logger } = memoryLogger();
      const attempt = createReceiver(envWith({ DATABASE_URL: scratch.url }), logger);
      await expect(attempt).rejects.toBeInstanceOf(DatabaseNotReadyError);
      await expect(attempt).rejects.toThrow(/pnpm orderhook db migrate/);
    } finally {
      await scratch.drop();
    }
  });
});

describe("a started receiver", () => {
  let receiver: Receiver;
  let f: Fixture;
  const memory = memoryLogger();
  const password = "board-Secret-2026-kQ7";
  const board = { BULL_BOARD_USER: "ops", BULL_BOARD_PASSWORD: password };
  const basic = (pw: string) => ({ authorization: `Basic ${Buffer.from(`ops:${pw}`).toString("base64")}` });

  beforeAll(async () => {
    // Before the receiver starts, which loads every active token then.
    const db = createDbClient({ url: testDatabaseUrl(), max: 1, applicationName: "orderhook-receiver-test" });
    f = await createFixture(db.db);
    await db.close();
    receiver = await createReceiver(envWith({ ...board, RATE_LIMIT_PER_SECOND: "1000" }), memory.logger);
  });
  afterAll(async () => {
    await receiver.close();
  });

  it("logs one line per request with the route pattern, never the token, and counts it in /metrics", async () => {
    const res = await receiver.app.request(`/v1/webhooks/${f.token}`, {
      method: "POST",
      body: JSON.stringify(buyAlert),
    });
    const text = await res.text();
    expect(res.status, text).toBe(202);

    const requestLines = memory.lines.filter((line) => line.includes('"msg":"request"'));
    expect(requestLines, memory.lines.join("")).toHaveLength(1);
    // Paths that fall through to 404/405 still never put the token in a line or a body.
    const notFound = await receiver.app.request(`/v1/webhooks/${f.token}/extra`, { method: "POST" });
    expect(await notFound.text()).not.toContain(f.token);
    await receiver.app.request(`/v1/webhooks/${f.token}`, { method: "PUT" });
    await receiver.app.request(`/v1/webhooks/${f.token}x`, { method: "POST", body: "{}" });
    const line = JSON.parse(requestLines[0]!);
    expect(line, requestLines[0]).toMatchObject({
      method: "POST",
      route: "/v1/webhooks/:token",
      status: 202,
      outcome: "accepted",
      requestId: res.headers.get("x-request-id"),
    });
    expect(typeof line.durationMs, requestLines[0]).toBe("number");
    expect(memory.lines.join(""), "a log line holds the token").not.toContain(f.token);

    const metricsResponse = await receiver.adminApp!.request("/metrics");
    expect(metricsResponse.headers.get("x-request-id")).toBeTruthy();
    const metrics = await metricsResponse.text();
    expect(metrics).toMatch(
      /orderhook_receiver_ack_seconds_count\{outcome="accepted",route="\/v1\/webhooks\/:token"\} 1/,
    );
    expect(metrics).toContain("orderhook_receiver_enqueue_seconds_count 1");
    expect(metrics).toContain("nodejs_eventloop_lag_seconds");
    expect(metrics).toContain('orderhook_queue_jobs{state="waiting",shard="0"}');
    expect(metrics).toMatch(/orderhook_receiver_db_query_seconds_count\{query="credentials"\} [1-9]/);
    expect(metrics).toContain("orderhook_receiver_db_queries_in_flight 0");
    expect(metrics).not.toContain(f.token);
  });

  it("serves /metrics and Bull Board on the admin app only: the public app answers 404 for both", async () => {
    for (const path of ["/metrics", "/admin/queues", "/admin/queues/api/queues"]) {
      const res = await receiver.app.request(path, { headers: basic(password) });
      const text = await res.text();
      expect(res.status, `${path}: ${text}`).toBe(404);
      expect(JSON.parse(text).code, text).toBe("not_found");
    }
  });

  it("serves Bull Board at /admin/queues only with the configured basic-auth credentials", async () => {
    const admin = receiver.adminApp!;
    const anonymous = await admin.request("/admin/queues");
    expect(anonymous.status, await anonymous.text()).toBe(401);
    const wrong = await admin.request("/admin/queues", { headers: basic("nope") });
    expect(wrong.status).toBe(401);
    const authorized = await admin.request("/admin/queues/api/queues", { headers: basic(password) });
    const body = await authorized.text();
    expect(authorized.status, body).toBe(200);
    expect(authorized.headers.get("x-request-id"), body).toBeTruthy();
    expect(anonymous.headers.get("x-request-id")).toBeTruthy();
    expect(body, body).toContain('"name":"orders"');
    expect(body, body).toContain('"readOnlyMode":true');
  });

  it("keeps the dashboard read-only by default: no retry, pause, clean or empty, even with the password", async () => {
    const admin = receiver.adminApp!;
    for (const [method, path] of [
      ["PUT", "/admin/queues/api/queues/orders/pause"],
      ["PUT", "/admin/queues/api/queues/orders/empty"],
      ["PUT", "/admin/queues/api/queues/orders/clean/completed"],
      ["PUT", "/admin/queues/api/queues/orders/retry/failed"],
      ["POST", "/admin/queues/api/queues/orders/add"],
    ] as const) {
      const res = await admin.request(path, { method, headers: basic(password) });
      const text = await res.text();
      expect(res.status, `${method} ${path}: ${text}`).toBe(405);
    }
    expect((await receiver.app.request("/readyz")).status).toBe(200);
  });

  it("has no dashboard when no credentials are configured", async () => {
    const { logger } = memoryLogger();
    const plain = await createReceiver(envWith(), logger);
    try {
      const res = await plain.adminApp!.request("/admin/queues");
      expect(res.status, await res.text()).toBe(404);
    } finally {
      await plain.close();
    }
  });

  it("throttles failed dashboard logins per address: past the limit even the right password is not checked", async () => {
    const { logger } = memoryLogger();
    const guarded = await createReceiver(envWith(board), logger);
    try {
      const admin = guarded.adminApp!;
      const statuses: number[] = [];
      for (let i = 0; i < 11; i++)
        statuses.push((await admin.request("/admin/queues", { headers: basic(`guess-${i}`) })).status);
      expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
      expect(statuses[10]).toBe(429);
      const right = await admin.request("/admin/queues/api/queues", { headers: basic(password) });
      const text = await right.text();
      expect(right.status, text).toBe(429);
      expect(Number(right.headers.get("retry-after")), text).toBeGreaterThan(0);
    } finally {
      await guarded.close();
    }
  });

  it("answers /readyz with 503 once shutdown has begun", async () => {
    const { logger } = memoryLogger();
    const draining = await createReceiver(envWith(), logger);
    try {
      expect((await draining.app.request("/readyz")).status).toBe(200);
      draining.beginShutdown();
      expect((await draining.app.request("/readyz")).status).toBe(503);
    } finally {
      await draining.close();
    }
  });
});

describe("a receiver with three queue shards", () => {
  let receiver: Receiver;
  const password = "board-Secret-2026-kQ7";
  const basic = { authorization: `Basic ${Buffer.from(`ops:${password}`).toString("base64")}` };

  beforeAll(async () => {
    const env = envWith({ QUEUE_SHARDS: "3", BULL_BOARD_USER: "ops", BULL_BOARD_PASSWORD: password });
    receiver = await createReceiver(env, memoryLogger().logger);
  });
  afterAll(async () => {
    await receiver.close();
  });

  it("shows one dashboard queue per shard and labels each shard's depth in /metrics", async () => {
    const queues = await receiver.adminApp!.request("/admin/queues/api/queues", { headers: basic });
    const body = await queues.text();
    expect(queues.status, body).toBe(200);
    for (const shard of [0, 1, 2]) {
      expect(body, body).toContain(`"name":"s${shard}-orders"`);
      expect(body, body).toContain(`orders (shard ${shard})`);
    }
    // Sampled at start and every few seconds: the first samples may still be on their way.
    const metrics = async () => (await receiver.adminApp!.request("/metrics")).text();
    await waitUntil(
      async () =>
        (await metrics()).includes('orderhook_queue_jobs{state="waiting",shard="2"}') ? true : undefined,
      metrics,
      10_000,
    );
    const text = await metrics();
    for (const shard of [0, 1, 2])
      expect(text).toContain(`orderhook_queue_jobs{state="waiting",shard="${shard}"}`);
  });
});
