import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { keySlot } from "./key-slot";
import { queueShards, shardKey, shardPrefix, userShard } from "./queue-shards";

describe("queue shards", () => {
  it("keeps the base prefix for shard 0, so one shard changes no key name", () => {
    expect(shardPrefix("orderhook", 0)).toBe("orderhook");
    expect(queueShards("orderhook", 1).prefixes).toEqual(["orderhook"]);
    expect(queueShards("orderhook", 1).of(randomUUID())).toBe(0);
  });

  it("gives every other shard a hash tag of its own", () => {
    expect(shardPrefix("{orderhook}", 2)).toBe("{orderhook-s2}");
    expect(shardPrefix("app:{oh}:x", 1)).toBe("app:{oh-s1}:x");
    expect(shardPrefix("orderhook", 1)).toBe("{orderhook-s1}");
    const slots = queueShards("{orderhook}", 3).prefixes.map((prefix) =>
      keySlot(shardKey(prefix, "orders", "wait")),
    );
    expect(new Set(slots).size).toBe(3);
  });

  it("puts every key of a shard on the slot of its queue", () => {
    const prefix = shardPrefix("{orderhook}", 2);
    const slot = keySlot(`${prefix}:orders:wait`);
    for (const key of [
      shardKey(prefix, "idem", "u", "k", "x"),
      shardKey(prefix, "rate", "u"),
      `${prefix}:orders:123`,
    ]) {
      expect(keySlot(key)).toBe(slot);
    }
  });

  it("maps a user to the same shard every time and spreads users evenly", () => {
    const users = Array.from({ length: 3000 }, () => randomUUID());
    const counts = [0, 0, 0];
    for (const user of users) {
      const shard = userShard(user, 3);
      expect(userShard(user, 3)).toBe(shard);
      counts[shard]! += 1;
    }
    for (const count of counts) expect(count).toBeGreaterThan(800);
  });

  it("moves only the users of the new shard when the count grows", () => {
    const users = Array.from({ length: 2000 }, () => randomUUID());
    let moved = 0;
    for (const user of users) {
      const before = userShard(user, 3);
      const after = userShard(user, 4);
      if (before !== after) {
        expect(after).toBe(3);
        moved += 1;
      }
    }
    expect(moved).toBeGreaterThan(300);
    expect(moved).toBeLessThan(700);
  });

  it("names a user's previous shard only while a change moves them", () => {
    const shards = queueShards("{oh}", 3, 1);
    expect(shards.prefixes).toHaveLength(3);
    const users = Array.from({ length: 200 }, () => randomUUID());
    for (const user of users) {
      const previous = shards.previousOf(user);
      // From one shard, everyone was on shard 0: only users now elsewhere have a previous shard.
      expect(previous).toBe(shards.of(user) === 0 ? null : 0);
    }
    expect(queueShards("{oh}", 3).previousOf(users[0]!)).toBeNull();
  });
});

describe("keySlot", () => {
  it("matches Redis Cluster's slots", () => {
    expect(keySlot("123456789")).toBe(0x31c3 % 16384);
    expect(keySlot("foo")).toBe(12182);
    expect(keySlot("{user1000}.following")).toBe(keySlot("user1000"));
    expect(keySlot("foo{}{bar}")).toBe(keySlot("foo{}{bar}"));
  });
});
