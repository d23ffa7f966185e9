import { describe, expect, it } from "vitest";
import { createKeyedRateLimiter } from "./keyed-rate-limiter";

function clock(start = 1_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe("createKeyedRateLimiter", () => {
  it("allows a burst at once, then refuses with the wait until the next event fits", () => {
    const c = clock();
    const limiter = createKeyedRateLimiter({ perSecond: 10, burst: 5, now: c.now });
    for (let i = 0; i < 5; i++) expect(limiter.hit("a"), `event ${i}`).toBe(0);
    expect(limiter.hit("a")).toBe(100);
    expect(limiter.wait("a")).toBe(100);
    c.advance(100);
    expect(limiter.wait("a")).toBe(0);
    expect(limiter.hit("a")).toBe(0);
    expect(limiter.hit("a")).toBe(100);
  });

  it("counts refused events as nothing: a key hammering while limited gets the sustained rate, not less", () => {
    const c = clock();
    const limiter = createKeyedRateLimiter({ perSecond: 10, burst: 1, now: c.now });
    let allowed = 0;
    for (let ms = 0; ms < 1_000; ms++) {
      for (let i = 0; i < 5; i++) if (limiter.hit("flood") === 0) allowed++;
      c.advance(1);
    }
    expect(allowed).toBe(10);
  });

  it("keeps keys apart", () => {
    const c = clock();
    const limiter = createKeyedRateLimiter({ perSecond: 1, burst: 1, now: c.now });
    expect(limiter.hit("a")).toBe(0);
    expect(limiter.hit("a")).toBeGreaterThan(0);
    expect(limiter.hit("b")).toBe(0);
    expect(limiter.wait("c")).toBe(0);
  });

  it("remembers at most maxKeys keys, forgetting the oldest", () => {
    const c = clock();
    const limiter = createKeyedRateLimiter({ perSecond: 1, burst: 1, maxKeys: 3, now: c.now });
    for (const key of ["a", "b", "c", "d"]) limiter.hit(key);
    expect(limiter.size).toBe(3);
    expect(limiter.hit("a"), "the oldest key was forgotten: a full burst again").toBe(0);
    expect(limiter.hit("d")).toBeGreaterThan(0);
  });

  it("refuses a rate of 0 or a burst below 1", () => {
    expect(() => createKeyedRateLimiter({ perSecond: 0, burst: 1 })).toThrow(RangeError);
    expect(() => createKeyedRateLimiter({ perSecond: 1, burst: 0 })).toThrow(RangeError);
  });
});
