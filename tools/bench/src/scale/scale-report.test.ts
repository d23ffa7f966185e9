import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { capacityMarkdown, measuredMarkdown, replaceBlock, scaleTables } from "./scale-report";
import type { ScaleResults } from "./scale-results";

const results: ScaleResults = {
  startedAt: "2026-11-29T10:00:00.000Z",
  finishedAt: "2026-11-29T10:05:00.000Z",
  command: "pnpm bench --scale",
  quick: false,
  note: "two other test runs shared the machine",
  machine: {
    cpu: "cpu",
    cores: 2,
    memoryGiB: 4,
    node: "v20",
    postgres: "16",
    redis: "7.4",
    platform: "linux x64",
  },
  phases: [
    {
      kind: "drain",
      name: "drain-1",
      workers: 1,
      pgbouncer: false,
      jobs: 10,
      rows: 10,
      ordersPerSecond: 5000,
      ordersPerCommit: 40,
      cpuUsPerOrder: { worker: 80, redis: 20, postgres: 30 },
    },
    {
      kind: "receiver",
      name: "receiver-1",
      webConcurrency: 1,
      peakAcksPerSecond: 6000,
      connections: 64,
      rate: 1000,
      p50Ms: 0.6,
      p99Ms: 2.5,
      cpuUsPerAck: { receiver: 120, redis: 45, generator: 40 },
      redisBytesPerJob: 1800,
      refused: { "503 unavailable": 2 },
    },
    { kind: "skipped", name: "shards-3", reason: "needs QUEUE_SHARDS" },
  ],
};

describe("the --scale report", () => {
  it("tabulates every phase, skipped ones with their reason", () => {
    const tables = scaleTables(results);
    expect(tables.map((t) => t.rows.map((r) => r[0]))).toEqual([["drain-1"], ["receiver-1"], ["shards-3"]]);
    expect(tables[0]?.rows[0]).toEqual(["drain-1", "1", "5,000", "40", "80", "20", "30", "—"]);
    expect(tables[2]?.rows[0]).toEqual(["shards-3", "needs QUEUE_SHARDS"]);
  });

  it("shows a cluster drain's Redis CPU as the masters' sum and each master's", () => {
    const cluster: ScaleResults = {
      ...results,
      phases: [
        {
          kind: "drain",
          name: "shards-3",
          workers: 2,
          pgbouncer: false,
          jobs: 10,
          rows: 10,
          ordersPerSecond: 3000,
          ordersPerCommit: 26,
          cpuUsPerOrder: { worker: 175, postgres: 35, "redis-0": 20, "redis-1": 20, "redis-2": 10 },
        },
      ],
    };
    expect(scaleTables(cluster)[0]?.rows[0]?.[5]).toBe("50 (20/20/10)");
  });

  it("says how it was measured, names refusals, and marks the model's extrapolated part", () => {
    const measured = measuredMarkdown(results);
    expect(measured).toContain("`pnpm bench --scale`");
    expect(measured).toContain("Note: two other test runs shared the machine");
    expect(measured).toContain('receiver-1: {"503 unavailable":2}');
    const model = capacityMarkdown(results);
    expect(model).toContain("**Measured here**");
    expect(model).toContain("**Extrapolated**");
    expect(model).toMatch(/\| 100,000 \|/);
  });

  it("replaces only the text between a block's markers", () => {
    const text = "a\n<!-- scale:begin -->\nold\n<!-- scale:end -->\nb\n";
    expect(replaceBlock(text, "scale", "new")).toBe("a\n<!-- scale:begin -->\nnew\n<!-- scale:end -->\nb\n");
    expect(() => replaceBlock(text, "capacity", "x")).toThrow(/capacity:begin/);
  });

  it("finds both of its blocks in docs/scaling.md", () => {
    const doc = readFileSync(new URL("../../../../docs/scaling.md", import.meta.url), "utf8");
    expect(() => replaceBlock(replaceBlock(doc, "scale", "x"), "capacity", "y")).not.toThrow();
  });
});
