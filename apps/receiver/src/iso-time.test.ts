import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isoTime } from "./iso-time";

describe("isoTime", () => {
  it("is toISOString for whole ms from 1970 to 9999, in any order", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 253_402_300_799_999 }), { minLength: 1, maxLength: 20 }),
        (times) => {
          for (const ms of times) expect(isoTime(ms)).toBe(new Date(ms).toISOString());
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it("is toISOString within one second and across its edges, and for fractions", () => {
    const base = Date.UTC(2026, 10, 29, 13, 59, 59);
    for (const ms of [
      base,
      base + 1,
      base + 9,
      base + 10,
      base + 99,
      base + 100,
      base + 999,
      base + 1000,
      base + 1001,
      base - 1,
    ]) {
      expect(isoTime(ms)).toBe(new Date(ms).toISOString());
    }
    expect(isoTime(base + 0.5)).toBe(new Date(base + 0.5).toISOString());
  });
});
