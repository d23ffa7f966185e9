import { describe, expect, it } from "vitest";
import { recordMeasurement } from "./harness/measurements";
import { reshardUnderTraffic } from "./harness/reshard";

// Changing QUEUE_SHARDS under traffic, as docs/redis-cluster.md says to: new receivers and
// workers run with QUEUE_SHARDS_PREVIOUS set while the old ones stop. Nothing acked is lost,
// and a retried key gets its first order, from whichever shard holds it.

describe("shrinking QUEUE_SHARDS under traffic", () => {
  const [from, to] = [3, 2];
  it(`from ${from} to ${to} shards: no acked alert lost, every retried key answered with its first order`, async () => {
    const run = await reshardUnderTraffic(`reshard${from}${to}`, from, to);
    const report = JSON.stringify(run);
    expect(run.movedUsers, report).toBeGreaterThan(0);
    expect(run.retried, report).toBeGreaterThan(30);
    expect(run.retriedWithAnotherOrder, report).toEqual([]);
    expect(run.result.lost, report).toEqual([]);
    expect(run.result.duplicated, report).toEqual([]);
    expect(run.result.statuses, report).toEqual({ accepted: run.result.rows });
    recordMeasurement(`QUEUE_SHARDS ${from} → ${to} under 50 alerts/s`, {
      acked: run.result.acked,
      rows: run.result.rows,
      movedUsers: run.movedUsers,
      retried: run.retried,
      outcomes: run.outcomes,
    });
  }, 150_000);
});
