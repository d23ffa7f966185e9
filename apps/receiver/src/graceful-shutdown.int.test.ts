import { fileURLToPath } from "node:url";
import { createDbClient } from "@orderhook/db";
import { createRedis, orderJobKey } from "@orderhook/queue";
import {
  AppProcess,
  createFixture,
  freePort,
  startAlertTraffic,
  testDatabaseUrl,
  testRedisUrl,
  uniquePrefix,
} from "@orderhook/testing";
import { describe, expect, it } from "vitest";

const entry = fileURLToPath(new URL("./main.ts", import.meta.url));

describe("receiver process", () => {
  it("drains on SIGTERM under traffic: no 5xx, exit 0, and every 202 is a job in Redis", async () => {
    const db = createDbClient({ url: testDatabaseUrl(), max: 1, applicationName: "orderhook-receiver-test" });
    const redis = createRedis(testRedisUrl());
    try {
      const f = await createFixture(db.db, { rateLimitPerSecond: 100_000 });
      const prefix = uniquePrefix("drain");
      const port = await freePort();
      const receiver = await AppProcess.start({
        entry,
        env: {
          DATABASE_URL: testDatabaseUrl(),
          REDIS_URL: testRedisUrl(),
          QUEUE_PREFIX: prefix,
          PORT: String(port),
          HOST: "127.0.0.1",
          LOG_LEVEL: "info",
          SHUTDOWN_TIMEOUT_MS: "10000",
        },
        readyWhen: /receiver listening/,
        readyTimeoutMs: 90_000,
      });
      const traffic = startAlertTraffic({
        url: `http://127.0.0.1:${port}/v1/webhooks/${f.token}`,
        ratePerSecond: 100,
      });
      while (traffic.responses.filter((r) => r.status === 202).length < 20) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const exit = await receiver.kill("SIGTERM");
      const report = await traffic.stop();

      expect(exit, receiver.output.slice(-2_000)).toEqual({ code: 0, signal: null });
      expect(receiver.output).toContain("receiver stopped");
      const answered = report.responses.filter((r) => r.status !== 0);
      expect(
        answered.filter((r) => r.status !== 202),
        JSON.stringify(report.statuses),
      ).toEqual([]);
      const exists = await Promise.all(report.acked.map((id) => redis.exists(orderJobKey(prefix, id))));
      expect(
        exists.filter((n) => n !== 1),
        JSON.stringify(report.statuses),
      ).toEqual([]);
      expect(report.acked.length, JSON.stringify(report.statuses)).toBeGreaterThanOrEqual(20);
    } finally {
      redis.disconnect();
      await db.close();
    }
    // Spawning the receiver through tsx takes most of this on a busy 2-core machine.
  }, 120_000);
});
