import { spawn } from "node:child_process";
import { createDbClient } from "@orderhook/db";
import { createDeliveryWriter } from "@orderhook/deliveries";
import { createRedis } from "@orderhook/queue";
import {
  createFixture,
  freePort,
  ORDERHOOK_CLI,
  runOrderhook,
  testDatabaseUrl,
  testRedisUrl,
  uniquePrefix,
  waitUntil,
} from "@orderhook/testing";
import { describe, expect, it } from "vitest";

/** The CLI as operators run it: its own process, which must exit by itself (no open handles). */
function orderhook(args: string[], env: Record<string, string> = {}) {
  return runOrderhook(args, {
    DATABASE_URL: testDatabaseUrl(),
    REDIS_URL: testRedisUrl(),
    QUEUE_PREFIX: uniquePrefix("climain"),
    ...env,
  });
}

describe("orderhook as a process", () => {
  it("prints the demo webhook as JSON and exits 0 on its own", async () => {
    const result = await orderhook(["demo", "--json"]);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      token: expect.stringMatching(/^oh_/),
      url: expect.stringContaining("/v1/webhooks/oh_"),
    });
  });

  it("exits 1 with one line on stderr when Redis is down, without hanging", async () => {
    const result = await orderhook(["jobs", "failed"], {
      REDIS_URL: `redis://127.0.0.1:${await freePort()}`,
    });
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toMatch(/^orderhook: unavailable: Redis at 127\.0\.0\.1:\d+ is unreachable .*\n$/);
  });

  it("follows a webhook's log until Ctrl-C (SIGINT), then exits 0 on its own", async () => {
    const prefix = uniquePrefix("climain");
    const client = createDbClient({ url: testDatabaseUrl(), max: 1, applicationName: "cli-follow-test" });
    const fixture = await createFixture(client.db).finally(() => client.close());
    const redis = createRedis(testRedisUrl());
    const writer = createDeliveryWriter(redis, { prefix, maxEntries: 10, maxAgeMs: 60_000 });
    writer.record(fixture.userId, fixture.webhookId, {
      receivedAt: Date.now(),
      requestId: "req-follow",
      outcome: "malformed_json",
      httpStatus: 400,
      orderId: null,
      errors: [],
      ackMs: 0.3,
      clientIp: "203.0.113.1",
      contentType: "text/plain",
      bodyExcerpt: "{",
    });
    await redis.ping();
    redis.disconnect();
    const child = spawn(
      process.execPath,
      ["--import", "tsx", ORDERHOOK_CLI, "webhook", "log", fixture.webhookId, "--follow"],
      {
        env: {
          PATH: process.env.PATH ?? "",
          HOME: process.env.HOME ?? "/tmp",
          DATABASE_URL: testDatabaseUrl(),
          REDIS_URL: testRedisUrl(),
          QUEUE_PREFIX: prefix,
        },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    // The first page is printed once Ctrl-C is already handled.
    await waitUntil(
      async () => (stdout.includes("400  malformed_json") ? true : undefined),
      () => `stdout: ${stdout}\nstderr: ${stderr}`,
      30_000,
    );
    child.kill("SIGINT");
    expect(await exited, stderr).toBe(0);
  });
});
