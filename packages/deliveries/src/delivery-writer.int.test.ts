import { createRedis } from "@orderhook/queue";
import { deleteKeys, testRedisUrl, uniquePrefix, waitUntil } from "@orderhook/testing";
import { afterAll, describe, expect, it } from "vitest";
import { deliveryStreamKey } from "./delivery-log-options";
import { type DeliveryRecord, decodeDelivery } from "./delivery-record";
import { createDeliveryWriter } from "./delivery-writer";

const redis = createRedis(testRedisUrl());
const prefix = uniquePrefix("dlv");
afterAll(async () => {
  await deleteKeys(redis, `${prefix}:*`);
  redis.disconnect();
});

const record: DeliveryRecord = {
  receivedAt: 1_700_000_000_000,
  requestId: "req-1",
  outcome: "invalid_order",
  httpStatus: 422,
  orderId: null,
  errors: [{ field: "action", message: "must be buy, sell, exit or cancel" }],
  ackMs: 0.4321,
  clientIp: "203.0.113.9",
  contentType: "text/plain",
  bodyExcerpt: '{"action":"hold"}',
};

describe("createDeliveryWriter", () => {
  it("appends entries to a stream capped at about the kept number, which expires when idle", async () => {
    const writer = createDeliveryWriter(redis, { prefix, maxEntries: 100, maxAgeMs: 60_000 });
    const key = deliveryStreamKey(prefix, "u1", "w1");
    for (let i = 0; i < 500; i++) writer.record("u1", "w1", { ...record, requestId: `req-${i}` });
    await waitUntil(
      async () =>
        (await redis.xrevrange(key, "+", "-", "COUNT", 1))[0]?.[1][1]?.includes("req-499") ? true : undefined,
      async () => `last entry: ${JSON.stringify(await redis.xrevrange(key, "+", "-", "COUNT", 1))}`,
    );
    const length = await redis.xlen(key);
    // `MAXLEN ~` trims whole stream nodes (100 entries each by default).
    expect(length).toBeGreaterThanOrEqual(100);
    expect(length).toBeLessThanOrEqual(200);
    const ttl = await redis.pttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
    const [newest] = await redis.xrevrange(key, "+", "-", "COUNT", 1);
    expect(decodeDelivery(newest?.[1][1])).toEqual({ ...record, requestId: "req-499", ackMs: 0.432 });
  });

  it("trims entries past the max age from a stream still written to", async () => {
    const writer = createDeliveryWriter(redis, { prefix, maxEntries: 1_000, maxAgeMs: 60_000 });
    const key = deliveryStreamKey(prefix, "u2", "w2");
    // 150 entries from long ago: a whole stream node of them (100 entries), which `MINID ~` drops.
    for (let i = 1; i <= 150; i++) await redis.xadd(key, `${i}-0`, "d", "{}");
    // The age trim rides on about one write in 16 (by Redis's clock).
    const oldEntries = async () => (await redis.xrange(key, "-", "1000")).length;
    for (let i = 0; i < 400 && (await oldEntries()) > 50; i++) {
      writer.record("u2", "w2", record);
      await redis.ping();
    }
    expect(await oldEntries()).toBeLessThanOrEqual(50);
  });

  it("reports a failed write to onError and never throws", async () => {
    const broken = createRedis("redis://127.0.0.1:1", { maxRetriesPerRequest: 0, enableOfflineQueue: false });
    broken.on("error", () => {});
    const errors: unknown[] = [];
    const writer = createDeliveryWriter(broken, {
      prefix,
      maxEntries: 10,
      maxAgeMs: 60_000,
      onError: (error) => errors.push(error),
    });
    expect(() => writer.record("u1", "w1", record)).not.toThrow();
    await waitUntil(
      async () => (errors.length > 0 ? true : undefined),
      () => "no error reported",
    );
    broken.disconnect();
  });
});
