import { describe, expect, it } from "vitest";
import { capacityRows, saturationOrder, unitCosts } from "./capacity-model";
import type { ScalePhaseResult } from "./scale-results";

const phases: ScalePhaseResult[] = [
  {
    kind: "drain",
    name: "drain-1",
    workers: 1,
    pgbouncer: false,
    jobs: 1000,
    rows: 1000,
    ordersPerSecond: 8000,
    ordersPerCommit: 50,
    cpuUsPerOrder: { worker: 70, redis: 20, postgres: 35 },
  },
  {
    kind: "drain",
    name: "drain-1-pgbouncer",
    workers: 1,
    pgbouncer: true,
    jobs: 1000,
    rows: 1000,
    ordersPerSecond: 7000,
    ordersPerCommit: 50,
    cpuUsPerOrder: { worker: 75, redis: 20, postgres: 36, pgbouncer: 4 },
  },
  {
    kind: "receiver",
    name: "receiver-1",
    webConcurrency: 1,
    peakAcksPerSecond: 9000,
    connections: 64,
    rate: 1000,
    p50Ms: 0.5,
    p99Ms: 2,
    cpuUsPerAck: { receiver: 100, redis: 40, generator: 30 },
    redisBytesPerJob: 900,
    refused: {},
  },
];

describe("the capacity model", () => {
  it("takes per-alert costs from the single-process phases", () => {
    expect(unitCosts(phases)).toEqual({
      receiverUsPerAck: 100,
      redisUsPerAck: 40,
      redisUsPerOrder: 20,
      workerUsPerOrder: 70,
      postgresUsPerOrder: 35,
      pgbouncerUsPerOrder: 4,
      ordersPerCommit: 50,
      redisBytesPerJob: 900,
    });
    expect(unitCosts(phases.filter((p) => p.name !== "receiver-1"))).toBeNull();
  });

  it("sizes each part linearly at 70 % utilisation, never below one", () => {
    const [low, , high] = capacityRows(unitCosts(phases)!);
    // 100k/s × 100 µs = 10 cores of receiver, / 0.7 → 15 processes.
    expect(high).toMatchObject({ alertsPerSecond: 100_000, receiverProcesses: 15, workerProcesses: 10 });
    // Redis: (40 + 20) µs × 100k = 6 cores / 0.7 → 9 masters.
    expect(high?.redisMasters).toBe(9);
    expect(high?.commitsPerSecond).toBe(2_000);
    expect(high?.idempotencyGBPerDay).toBe(2160);
    expect(low).toMatchObject({ receiverProcesses: 1, workerProcesses: 1, redisMasters: 1 });
  });

  it("orders the units by the rate one of each carries", () => {
    expect(saturationOrder(unitCosts(phases)!).map((u) => u.unit)).toEqual([
      "receiver process",
      "worker process",
      "Redis master (one core)",
      "Postgres core",
    ]);
  });
});
