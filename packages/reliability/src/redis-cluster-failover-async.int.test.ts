// A Redis Cluster master killed with kill -9 under traffic, with REDIS_WAIT_REPLICAS=0 (the
// default): replication is asynchronous, so an acked job the master had not yet sent to its
// replica dies with it. This measures that window; it does not assert it.

import { describe, expect, it } from "vitest";
import { masterKilledUnderTraffic } from "./harness/master-failover";
import { recordMeasurement } from "./harness/measurements";

describe("a Redis Cluster master killed with kill -9 under traffic", () => {
  it("measures what REDIS_WAIT_REPLICAS=0 loses when the master dies (asynchronous replication)", async () => {
    const { result, outcomes, failoverMs } = await masterKilledUnderTraffic("wait0", 0);
    const report = JSON.stringify({ result, outcomes, failoverMs });
    expect(result.acked, report).toBeGreaterThan(100);
    // Not asserted: the loss window is what this scenario measures (docs/redis-cluster.md).
    recordMeasurement("Redis Cluster master kill -9, REDIS_WAIT_REPLICAS=0, 80 alerts/s", {
      acked: result.acked,
      rows: result.rows,
      lostAcked: result.lost.length,
      duplicated: result.duplicated.length,
      failoverMs,
      outcomes,
    });
  }, 120_000);
});
