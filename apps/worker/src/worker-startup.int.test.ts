import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import {
  canConnect,
  freePort,
  testDatabaseUrl,
  testRedisUrl,
  uniquePrefix,
  waitUntil,
} from "@orderhook/testing";
import { describe, expect, it } from "vitest";

import { spawnMain } from "./spawn-main";

const MAIN = fileURLToPath(new URL("./main.ts", import.meta.url));

function workerEnv(overrides: Record<string, string>): Record<string, string> {
  return {
    DATABASE_URL: testDatabaseUrl(),
    REDIS_URL: testRedisUrl(),
    QUEUE_PREFIX: uniquePrefix("startup"),
    METRICS_PORT: "0",
    METRICS_HOST: "127.0.0.1",
    ...overrides,
  };
}

describe("worker start-up", () => {
  it("exits 1 naming the migrate command when the orders table is missing", async () => {
    const database = new URL(testDatabaseUrl());
    database.pathname = "/postgres";
    const worker = spawnMain(MAIN, workerEnv({ DATABASE_URL: database.toString() }));
    expect(await worker.exited(), worker.output()).toEqual({ code: 1, signal: null });
    expect(worker.output()).toContain("pnpm orderhook db migrate");
  }, 60_000);

  it("exits 1 naming every invalid variable", async () => {
    const worker = spawnMain(MAIN, workerEnv({ WORKER_CONCURRENCY: "lots", BATCH_MAX_WAIT_MS: "-1" }));
    expect(await worker.exited(), worker.output()).toEqual({ code: 1, signal: null });
    expect(worker.output()).toContain("WORKER_CONCURRENCY");
    expect(worker.output()).toContain("BATCH_MAX_WAIT_MS");
  }, 60_000);

  it("refuses a Redis that may evict keys unless REDIS_ALLOW_EVICTION is set", async () => {
    const port = await freePort();
    const redis = spawn(
      "redis-server",
      ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--maxmemory-policy", "allkeys-lru"],
      { stdio: "ignore" },
    );
    try {
      await waitUntil(
        async () => ((await canConnect("127.0.0.1", port)) ? true : undefined),
        () => `redis-server on ${port} did not start`,
      );
      const url = `redis://127.0.0.1:${port}`;
      const refused = spawnMain(MAIN, workerEnv({ REDIS_URL: url }));
      expect(await refused.exited(), refused.output()).toEqual({ code: 1, signal: null });
      expect(refused.output()).toContain("noeviction");

      const allowed = spawnMain(MAIN, workerEnv({ REDIS_URL: url, REDIS_ALLOW_EVICTION: "true" }));
      await waitUntil(
        async () => (allowed.output().includes("worker started") ? true : undefined),
        () => allowed.output(),
        30_000,
      );
      allowed.child.kill("SIGTERM");
      expect(await allowed.exited(), allowed.output()).toEqual({ code: 0, signal: null });
    } finally {
      redis.kill("SIGKILL");
    }
  }, 90_000);
});
