import { queueShards, userKey } from "@orderhook/queue";
import { describe, expect, it } from "vitest";
import { deliveryStreamKey } from "./delivery-log-options";

describe("deliveryStreamKey", () => {
  it("is a per-user key, built like the user's idempotency and rate keys", () => {
    const key = deliveryStreamKey("orderhook", "u-1", "w-1");
    expect(key).toBe("orderhook:deliveries:u-1:w-1");
    expect(key.startsWith(`${userKey("orderhook", "u-1", "deliveries")}:`)).toBe(true);
  });

  it("lives under the user's queue shard when keys are spread over shards", () => {
    const shards = queueShards("{orderhook}", 3);
    const prefix = shards.prefixes[shards.of("u-2")]!;
    expect(deliveryStreamKey(shards, "u-2", "w-1")).toBe(`${prefix}:deliveries:u-2:w-1`);
    expect(
      deliveryStreamKey(shards, "u-2", "w-1").startsWith(userKey(shards, "u-2", "rate").split(":rate:")[0]!),
    ).toBe(true);
  });
});
