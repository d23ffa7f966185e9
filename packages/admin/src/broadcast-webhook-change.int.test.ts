import { once } from "node:events";
import {
  createRedis,
  parseWebhookEvent,
  readWebhookEventsVersion,
  subscribeToWebhookEventsChannel,
} from "@orderhook/queue";
import { testRedisUrl, uniquePrefix } from "@orderhook/testing";
import { describe, expect, it } from "vitest";
import { broadcastWebhookChange } from "./broadcast-webhook-change";

const event = {
  type: "revoked" as const,
  webhookId: "0190f0a0-0000-7000-8000-000000000001",
  userId: "0190f0a0-0000-7000-8000-000000000002",
  tokenHash: "ab".repeat(32),
};

describe("broadcastWebhookChange", () => {
  it("counts every change in Redis and delivers it with its count, so a receiver can tell it missed one", async () => {
    const prefix = uniquePrefix("events");
    const redis = createRedis(testRedisUrl());
    const subscriber = createRedis(testRedisUrl());
    try {
      expect(await readWebhookEventsVersion(redis, prefix)).toBe(0);
      // Nobody listening: the change is still counted.
      expect(await broadcastWebhookChange(testRedisUrl(), prefix, event)).toEqual({
        delivered: true,
        receivers: 0,
      });
      await subscribeToWebhookEventsChannel(subscriber, prefix);
      const received = once(subscriber, "message");
      const created = { ...event, type: "created" as const, tokenHash: null };
      expect(await broadcastWebhookChange(testRedisUrl(), prefix, created)).toEqual({
        delivered: true,
        receivers: 1,
      });
      const [, message] = (await received) as [string, string];
      expect(parseWebhookEvent(message)).toEqual({ ...created, version: 2 });
      expect(await readWebhookEventsVersion(redis, prefix)).toBe(2);
    } finally {
      subscriber.disconnect();
      redis.disconnect();
    }
  });

  it("reports, without throwing, a Redis it cannot reach", async () => {
    const result = await broadcastWebhookChange("redis://127.0.0.1:1", "nowhere", event, 500);
    expect(result.delivered, JSON.stringify(result)).toBe(false);
  });

  it("delivers several events (a user's change, one per webhook) in order, each counted", async () => {
    const prefix = uniquePrefix("events");
    const subscriber = createRedis(testRedisUrl());
    try {
      await subscribeToWebhookEventsChannel(subscriber, prefix);
      const received: unknown[] = [];
      subscriber.on("message", (_channel, message: string) => received.push(parseWebhookEvent(message)));
      const updates = ["0190f0a0-0000-7000-8000-00000000000a", "0190f0a0-0000-7000-8000-00000000000b"].map(
        (webhookId) => ({ ...event, type: "updated" as const, webhookId, tokenHash: null }),
      );
      expect(await broadcastWebhookChange(testRedisUrl(), prefix, updates)).toEqual({
        delivered: true,
        receivers: 1,
      });
      await expect.poll(() => received.length).toBe(2);
      expect(received).toEqual([
        { ...updates[0], version: 1 },
        { ...updates[1], version: 2 },
      ]);
      // Nothing to tell: no connection is made, so an unreachable Redis is no failure.
      expect(await broadcastWebhookChange("redis://127.0.0.1:1", prefix, [])).toEqual({
        delivered: true,
        receivers: 0,
      });
    } finally {
      subscriber.disconnect();
    }
  });

  it("reads an event from a publisher without the counter as having no version", () => {
    expect(parseWebhookEvent(JSON.stringify(event))).toEqual({ ...event, version: null });
    expect(parseWebhookEvent(JSON.stringify({ ...event, type: "deleted" }))).toBeNull();
    expect(parseWebhookEvent("not json")).toBeNull();
  });
});
