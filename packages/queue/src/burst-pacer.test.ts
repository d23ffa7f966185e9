import { describe, expect, it } from "vitest";
import { createBurstPacer } from "./burst-pacer";

const options = { burstPerSecond: 4_000, pauseMs: 20, maxPauseMs: 100, quietMs: 40 };

describe("createBurstPacer", () => {
  it("never pauses at a steady 1,000 jobs per second, however deep the backlog", () => {
    const pacer = createBurstPacer(options);
    let waiting = 5_000;
    for (let at = 0; at <= 2_000; at += 10) {
      // 10 ms: 10 arrive, 10 are taken.
      pacer.taken(10);
      waiting += 10 - 10;
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

  it("is not started by a few jobs arriving close together: a rate needs minArrivals of them", () => {
    const pacer = createBurstPacer({ ...options, minArrivals: 50 });
    pacer.observe(0, 0);
    // 40 jobs in 5 ms is 8,000/s, but 40 is too few to tell: the next observation measures from 0 ms.
    expect(pacer.observe(40, 5)).toBe(0);
    // 60 in 30 ms: 2,000/s, no burst.
    expect(pacer.observe(60, 30)).toBe(0);
    // From 30 ms: 50 more in 10 ms, 5,000/s.
    expect(pacer.observe(110, 40)).toBe(20);
  });

  it("keeps pausing while arrivals come in clumps and ends once, over quietMs, they fall below the threshold", () => {
    const pacer = createBurstPacer(options);
    pacer.observe(0, 0);
    expect(pacer.observe(100, 10)).toBe(20);
    // Nothing arrives in the next 20 ms, then 200 at once: over 40 ms, still 5,000/s.
    expect(pacer.observe(100, 30)).toBe(20);
    expect(pacer.observe(300, 50)).toBe(20);
    expect(pacer.observe(340, 70)).toBe(20);
    // 70 arrived over the last 40 ms (1,750/s, below 4,000): the burst ends; the backlog is drained.
    expect(pacer.observe(370, 90)).toBe(0);
    pacer.taken(370);
    expect(pacer.observe(0, 95)).toBe(0);
  });

  it("starts a burst at the threshold and ends it when arrivals over quietMs fall below it", () => {
    const pacer = createBurstPacer(options);
    pacer.observe(0, 0);
    // 3,000/s: not a burst yet.
    expect(pacer.observe(30, 10)).toBe(0);
    // 5,000/s starts one; 4,500/s over the last 40 ms keeps it going; 3,750/s ends it.
    expect(pacer.observe(80, 20)).toBe(20);
    expect(pacer.observe(180, 40)).toBe(20);
    expect(pacer.observe(260, 60)).toBe(20);
    expect(pacer.observe(330, 80)).toBe(0);
    // 3,000/s again: below the threshold, so no new burst.
    expect(pacer.observe(360, 90)).toBe(0);
  });

  it("at a steady 1,000 jobs per second, ends a start that a clump faked within quietMs", () => {
    const pacer = createBurstPacer({
      burstPerSecond: 2_000,
      pauseMs: 20,
      maxPauseMs: 3_000,
      minArrivals: 100,
    });
    let waiting = 0;
    const pauses: number[] = [];
    for (let at = 0; at <= 1_000; at += 10) {
      // 10 arrive per 10 ms, and at 500 ms a stalled receiver catches up with 100 at once.
      waiting += at === 500 ? 110 : 10;
      pauses.push(pacer.observe(waiting, at));
    }
    const paused = pauses.flatMap((ms, i) => (ms > 0 ? [i * 10] : []));
    expect(paused[0]).toBe(500);
    // Over the 100 ms after the clump, 1,000/s: the burst is over at 600 ms.
    expect(paused.at(-1)).toBeLessThan(600);
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

  it("refills the budget only after arrivals stayed low for the window", () => {
    const pacer = createBurstPacer({ ...options, windowMs: 500 });
    pacer.observe(0, 0);
    expect(pacer.observe(100, 10)).toBe(20);
    expect(pacer.observe(500, 50)).toBe(20);
    // Nothing more: the burst ends at 90 ms.
    expect(pacer.observe(500, 90)).toBe(0);
    // It resumes at 100 ms with what is left of its budget (10 + 100 − 100 = 10 ms)…
    expect(pacer.observe(600, 100)).toBe(10);
    expect(pacer.observe(1_000, 140)).toBe(0);
    expect(pacer.observe(1_000, 180)).toBe(0);
    // …and a burst more than 500 ms after that end gets the whole budget again.
    expect(pacer.observe(1_000, 690)).toBe(0);
    expect(pacer.observe(1_400, 700)).toBe(20);
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
