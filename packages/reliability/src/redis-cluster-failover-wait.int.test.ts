// A Redis Cluster master killed with kill -9 under traffic, with REDIS_WAIT_REPLICAS=1: no 202
// before a replica holds the job, so the replica that takes over has every acked job.

import { describe, expect, it } from "vitest";
import { masterKilledUnderTraffic } from "./harness/master-failover";
import { recordMeasurement } from "./harness/measurements";

describe("a Redis Cluster master killed with kill -9 under traffic", () => {
  it("loses no acked alert with REDIS_WAIT_REPLICAS=1, and writes none twice", async () => {
    const { result, outcomes, failoverMs } = await masterKilledUnderTraffic("wait1", 1);
    const report = JSON.stringify({ result, outcomes, failoverMs });
    expect(result.acked, report).toBeGreaterThan(100);
    expect(result.lost, report).toEqual([]);
    expect(result.duplicated, report).toEqual([]);
    recordMeasurement("Redis Cluster master kill -9, REDIS_WAIT_REPLICAS=1, 80 alerts/s", {
      acked: result.acked,
      rows: result.rows,
      lost: result.lost.length,
      duplicated: result.duplicated.length,
      failoverMs,
      outcomes,
    });
  }, 120_000);
});
