import { describe, expect, it } from "vitest";
import { createBurstPacer } from "./burst-pacer";

const options = { burstPerSecond: 4_000, pauseMs: 20, maxPauseMs: 100 };

describe("createBurstPacer", () => {
  it("never pauses at a steady 1,000 jobs per second, however deep the backlog", () => {
    const pacer = createBurstPacer(options);
    let waiting = 5_000;
    for (let at = 0; at <= 2_000; at += 50) {
      // 50 ms: 50 arrive, 50 are taken.
      pacer.taken(50);
      waiting += 50 - 50;
      expect(pacer.observe(waiting, at), `at ${at} ms`).toBe(0);
    }
  });

  it("pauses while the wait list grows faster than the threshold, counting what was taken as arrived", () => {
    const pacer = createBurstPacer(options);
    expect(pacer.observe(100, 0)).toBe(0);
    // 10 ms later: 100 more waiting and 100 taken, 200 arrivals = 20,000/s.
    pacer.taken(100);
    expect(pacer.observe(200, 10)).toBe(20);
    // The same rate with nothing taken (the consumer paused) still is a burst.
    expect(pacer.observe(600, 30)).toBe(20);
  });

  it("takes again as soon as the arrivals fall below the threshold, and a later burst pauses afresh", () => {
    const pacer = createBurstPacer(options);
    pacer.observe(0, 0);
    expect(pacer.observe(400, 20)).toBe(20);
    expect(pacer.observe(800, 40)).toBe(20);
    // 2 arrivals in 20 ms: the burst is over; the backlog is drained at full speed.
    expect(pacer.observe(802, 60)).toBe(0);
    pacer.taken(800);
    expect(pacer.observe(2, 80)).toBe(0);
    // Another burst gets the whole budget again.
    expect(pacer.observe(402, 100)).toBe(20);
  });

  it("starts a burst at the threshold and ends it below half of it", () => {
    const pacer = createBurstPacer(options);
    pacer.observe(0, 0);
    // 3,000/s: not a burst yet.
    expect(pacer.observe(30, 10)).toBe(0);
    // 5,000/s starts one; 3,000/s keeps it going; 1,000/s ends it.
    expect(pacer.observe(80, 20)).toBe(20);
    expect(pacer.observe(110, 30)).toBe(20);
    expect(pacer.observe(120, 40)).toBe(0);
    expect(pacer.observe(150, 50)).toBe(0);
  });

  it("holds the consumer back at most maxPauseMs per burst, even if the burst goes on", () => {
    const pacer = createBurstPacer(options);
    pacer.observe(0, 0);
    const pauses: number[] = [];
    let waiting = 0;
    for (let at = 10; at <= 300; at += 10) {
      waiting += 100; // 10,000/s, for longer than the budget
      pauses.push(pacer.observe(waiting, at));
    }
    // The burst's first pause begins at 10 ms; its budget ends at 110 ms, the last pause shortened to fit.
    expect(pauses.slice(0, 10).every((pause) => pause > 0)).toBe(true);
    expect(pauses.slice(0, 10).at(-1)).toBe(10);
    expect(pauses.slice(10).every((pause) => pause === 0)).toBe(true);
  });

  it("needs two observations within the window for a rate, and skips one too soon after the last", () => {
    const pacer = createBurstPacer({ ...options, windowMs: 1_000, minIntervalMs: 5 });
    expect(pacer.observe(10_000, 0)).toBe(0);
    // Two seconds apart: no rate, whatever the growth.
    expect(pacer.observe(50_000, 2_000)).toBe(0);
    // 2 ms later: skipped, and its taken jobs count in the next rate.
    pacer.taken(60);
    expect(pacer.observe(50_000, 2_002)).toBe(0);
    // 20 ms after 2,000: 60 taken + 20 more waiting = 4,000/s, the threshold.
    expect(pacer.observe(50_020, 2_020)).toBe(20);
  });

  it("never pauses when maxPauseMs is 0", () => {
    const pacer = createBurstPacer({ ...options, maxPauseMs: 0 });
    pacer.observe(0, 0);
    expect(pacer.observe(10_000, 10)).toBe(0);
  });
});
