import { userKey } from "@orderhook/queue";
import { describe, expect, it } from "vitest";
import { deliveryStreamKey } from "./delivery-log-options";

describe("deliveryStreamKey", () => {
  it("is a per-user key, built like the user's idempotency and rate keys", () => {
    const key = deliveryStreamKey("orderhook", "u-1", "w-1");
    expect(key).toBe("orderhook:deliveries:u-1:w-1");
    expect(key.startsWith(`${userKey("orderhook", "u-1", "deliveries")}:`)).toBe(true);
  });

  it("takes the prefix of the user's shard when keys are spread over shards", () => {
    const prefixOf = (userId: string) => (userId === "u-2" ? "{orderhook-s2}" : "orderhook");
    expect(deliveryStreamKey(prefixOf, "u-2", "w-1")).toBe("{orderhook-s2}:deliveries:u-2:w-1");
    expect(deliveryStreamKey(prefixOf, "u-1", "w-1")).toBe("orderhook:deliveries:u-1:w-1");
  });
});
