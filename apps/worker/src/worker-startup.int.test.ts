import { AppProcess, RedisServer, testDatabaseUrl, testRedisUrl, uniquePrefix } from "@orderhook/testing";
import { describe, expect, it } from "vitest";

function workerEnv(overrides: Record<string, string>): Record<string, string> {
  return {
    DATABASE_URL: testDatabaseUrl(),
    REDIS_URL: testRedisUrl(),
    QUEUE_PREFIX: uniquePrefix("startup"),
    ...overrides,
  };
}

describe("worker start-up", () => {
  it("exits 1 naming the migrate command when the orders table is missing", async () => {
    const database = new URL(testDatabaseUrl());
    database.pathname = "/postgres";
    const worker = await AppProcess.startExpectingFailure({
      app: "worker",
      env: workerEnv({ DATABASE_URL: database.toString() }),
    });
    expect(await worker.exited, worker.output).toEqual({ code: 1, signal: null });
    expect(worker.output).toContain("pnpm orderhook db migrate");
  }, 60_000);

  it("exits 1 naming every invalid variable", async () => {
    const worker = await AppProcess.startExpectingFailure({
      app: "worker",
      env: workerEnv({ WORKER_CONCURRENCY: "lots", BATCH_MAX_WAIT_MS: "-1" }),
    });
    expect(await worker.exited, worker.output).toEqual({ code: 1, signal: null });
    expect(worker.output).toContain("WORKER_CONCURRENCY");
    expect(worker.output).toContain("BATCH_MAX_WAIT_MS");
  }, 60_000);

  it("refuses a Redis that may evict keys unless REDIS_ALLOW_EVICTION is set", async () => {
    const redis = await RedisServer.start({ appendonly: false, args: ["--maxmemory-policy", "allkeys-lru"] });
    try {
      const refused = await AppProcess.startExpectingFailure({
        app: "worker",
        env: workerEnv({ REDIS_URL: redis.url }),
      });
      expect(await refused.exited, refused.output).toEqual({ code: 1, signal: null });
      expect(refused.output).toContain("noeviction");

      const allowed = await AppProcess.start({
        app: "worker",
        env: workerEnv({ REDIS_URL: redis.url, REDIS_ALLOW_EVICTION: "true" }),
      });
      expect(allowed.output).toContain("worker started");
      expect(await allowed.stop(), allowed.output).toEqual({ code: 0, signal: null });
    } finally {
      await redis.cleanup();
    }
  }, 90_000);
});
