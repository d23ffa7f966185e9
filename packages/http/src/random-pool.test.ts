import { describe, expect, it } from "vitest";
import { RandomPool } from "./random-pool";

describe("RandomPool", () => {
  it("hands out each byte once, refilling the block when what is left is too short", () => {
    const pool = new RandomPool(10);
    const first = pool.take(4);
    const before = Buffer.from(pool.bytes);
    expect(first).toBe(0);
    expect(pool.take(4)).toBe(4);
    expect(pool.bytes.equals(before)).toBe(true);
    // 2 bytes left, 4 wanted: a fresh block, from its start.
    expect(pool.take(4)).toBe(0);
    expect(pool.bytes.equals(before)).toBe(false);
  });
});
