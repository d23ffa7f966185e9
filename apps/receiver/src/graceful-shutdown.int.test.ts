import { createDbClient } from "@orderhook/db";
import { createRedis, orderJobKey } from "@orderhook/queue";
import {
  AlertTraffic,
  AppProcess,
  createFixture,
  testDatabaseUrl,
  testRedisUrl,
  uniquePrefix,
} from "@orderhook/testing";
import { describe, expect, it } from "vitest";

describe("receiver process", () => {
  it("drains on SIGTERM under traffic: no 5xx, exit 0, and every 202 is a job in Redis", async () => {
    const db = createDbClient({ url: testDatabaseUrl(), max: 1, applicationName: "orderhook-receiver-test" });
    const redis = createRedis(testRedisUrl());
    try {
      const f = await createFixture(db.db, { rateLimitPerSecond: 100_000 });
      const prefix = uniquePrefix("drain");
      const receiver = await AppProcess.start({
        app: "receiver",
        env: {
          DATABASE_URL: testDatabaseUrl(),
          REDIS_URL: testRedisUrl(),
          QUEUE_PREFIX: prefix,
          SHUTDOWN_TIMEOUT_MS: "10000",
        },
        readyTimeoutMs: 90_000,
      });
      const traffic = AlertTraffic.start({ origin: receiver.origin, tokens: [f.token], ratePerSecond: 100 });
      while (traffic.ackedOrderIds().length < 20) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const exit = await receiver.kill("SIGTERM");
      await traffic.stop();
      const outcomes = JSON.stringify(traffic.outcomes());

      expect(exit, receiver.tail()).toEqual({ code: 0, signal: null });
      expect(receiver.output).toContain("receiver stopped");
      const answered = traffic.alerts.flatMap((alert) => alert.attempts).filter((a) => a.status !== 0);
      expect(
        answered.filter((a) => a.status !== 202),
        outcomes,
      ).toEqual([]);
      const acked = traffic.ackedOrderIds();
      const exists = await Promise.all(acked.map((id) => redis.exists(orderJobKey(prefix, id))));
      expect(
        exists.filter((n) => n !== 1),
        outcomes,
      ).toEqual([]);
      expect(acked.length, outcomes).toBeGreaterThanOrEqual(20);
    } finally {
      redis.disconnect();
      await db.close();
    }
    // Spawning the receiver through tsx takes most of this on a busy 2-core machine.
  }, 120_000);
});
