import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  type BurstCapacityResults,
  type BurstTrial,
  burstCapacityPlan,
  nextBurstSize,
} from "./burst-capacity";
import { burstCapacityFigures, burstCapacityVerified } from "./burst-capacity-report";
import type { ScaleResults } from "./scale-results";
import { scalingDocText } from "./write-scaling-docs";

const SCALING_MD = fileURLToPath(new URL("../../../../docs/scaling.md", import.meta.url));

function trial(alerts: number, fits: boolean): BurstTrial {
  return {
    alerts,
    fits,
    acked: alerts,
    outcomes: { "202": alerts },
    over3s: fits ? 0 : 100,
    p50Ms: 900,
    p99Ms: fits ? 2_400 : 3_600,
    maxMs: fits ? 2_600 : 4_000,
    lastRowMs: 4_000,
    lost: 0,
    duplicated: 0,
    cpuUsPerAck: { receiver: 150, redis: 60, worker: 40, postgres: 20, generator: 30 },
  };
}

const capacity: BurstCapacityResults = {
  connections: 256,
  send: "queued",
  users: 10,
  warmupAlerts: 2_000,
  start: 5_000,
  resolution: 1_000,
  maxTrials: 9,
  searches: [
    {
      webConcurrency: 1,
      largest: 12_000,
      smallestMiss: 13_000,
      best: trial(12_000, true),
      trials: [trial(5_000, true), trial(10_000, true), trial(20_000, false), trial(12_000, true)],
      warmupLost: 0,
      warmupDuplicated: 0,
    },
    {
      webConcurrency: 2,
      largest: null,
      smallestMiss: 5_000,
      best: null,
      trials: [trial(5_000, false)],
      warmupLost: 0,
      warmupDuplicated: 0,
    },
  ],
};

const results: ScaleResults = {
  startedAt: "2026-11-29T11:00:00.000Z",
  finishedAt: "2026-11-29T11:04:00.000Z",
  command: "pnpm bench --burst-capacity",
  quick: false,
  note: "indicative",
  machine: {
    cpu: "AMD EPYC",
    cores: 2,
    memoryGiB: 8,
    node: "v20",
    postgres: "15",
    redis: "7",
    platform: "linux",
  },
  phases: [],
  burstCapacity: capacity,
};

describe("the burst capacity search", () => {
  it("doubles until a burst misses, then halves the gap down to the resolution, and stops at its cap", () => {
    const plan = { resolution: 1_000, cap: 160_000 };
    expect(nextBurstSize(plan, 5_000, null, 5_000)).toBe(10_000);
    expect(nextBurstSize(plan, 20_000, 40_000, 40_000)).toBe(30_000);
    expect(nextBurstSize(plan, null, 5_000, 5_000)).toBe(3_000);
    expect(nextBurstSize(plan, 22_000, 23_000, 23_000)).toBeNull();
    expect(nextBurstSize(plan, 160_000, null, 160_000)).toBeNull();
    expect(burstCapacityPlan(true).start).toBeLessThan(burstCapacityPlan(false).start);
  });

  it("derives alerts per 3 s per receiver process (measured) and per core (extrapolated from CPU per ack)", () => {
    expect(burstCapacityFigures(capacity.searches[0]!)).toEqual({
      webConcurrency: 1,
      largest: 12_000,
      perProcess: 12_000,
      perReceiverCore: 20_000,
      perRedisCore: 50_000,
    });
    expect(burstCapacityFigures(capacity.searches[1]!).perProcess).toBeNull();
    expect(burstCapacityVerified(capacity)).toBe(true);
    const lost = structuredClone(capacity);
    lost.searches[0]!.trials[1]!.lost = 1;
    expect(burstCapacityVerified(lost)).toBe(false);
  });

  it("writes its block at the marked place of docs/scaling.md and leaves the other blocks as they were", () => {
    const before = readFileSync(SCALING_MD, "utf8");
    const after = scalingDocText(before, results);
    const block = after.slice(
      after.indexOf("<!-- burst-capacity:begin -->"),
      after.indexOf("<!-- burst-capacity:end -->"),
    );
    expect(block).toContain("`pnpm bench --burst-capacity`");
    expect(block).toContain("| 1 | 12,000 | 13,000 | 2,400 | 150 | 60 | 40 | 20 | 30 | 12,000 | 20,000 |");
    expect(block).toContain("| 2 | < 5,000 | 5,000 |");
    expect(block).toContain("Note: indicative");
    expect(block).toContain("50,000 strategies need 4 receiver processes and 2 Redis masters");
    const outside = (text: string) =>
      text.slice(0, text.indexOf("<!-- burst-capacity:begin -->")) +
      text.slice(text.indexOf("<!-- burst-capacity:end -->"));
    expect(outside(after)).toBe(outside(before));
  });
});
