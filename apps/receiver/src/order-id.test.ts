import { describe, expect, it } from "vitest";
import { newOrderId } from "./order-id";

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe("newOrderId", () => {
  it("is a UUIDv7 whose first 48 bits are the given Unix time in ms", () => {
    const now = Date.UTC(2026, 10, 27, 7, 0, 0, 123);
    const id = newOrderId(now);
    expect(id).toMatch(UUID_V7);
    expect(Number.parseInt(id.replace("-", "").slice(0, 12), 16)).toBe(now);
  });

  it("carries each id's own time, also when the clock goes back or repeats a millisecond", () => {
    for (const now of [
      1_700_000_000_000,
      1_700_000_000_000,
      1_600_000_000_001,
      0,
      2 ** 48 - 1,
      1_700_000_000_000,
    ]) {
      const id = newOrderId(now);
      expect(id, String(now)).toMatch(UUID_V7);
      expect(Number.parseInt(id.replace("-", "").slice(0, 12), 16), id).toBe(now);
    }
  });

  it("sorts ids of later milliseconds after earlier ones, and never repeats", () => {
    const ids = Array.from({ length: 10_000 }, (_, i) => newOrderId(1_700_000_000_000 + Math.floor(i / 100)));
    expect(new Set(ids).size).toBe(ids.length);
    for (let i = 100; i < ids.length; i += 100) expect(ids[i - 100]! < ids[i]!).toBe(true);
  });
});
