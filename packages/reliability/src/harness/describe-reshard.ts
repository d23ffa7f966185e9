import { describe, expect, it } from "vitest";
import { recordMeasurement } from "./measurements";
import { reshardUnderTraffic } from "./reshard";

/**
 * The reshard suite for one change of QUEUE_SHARDS (`from` → `to`), shared by the grow and
 * shrink files so each runs in its own worker: nothing acked is lost, and every retried key
 * gets its first order back, from whichever shard holds it.
 */
export function describeReshard(title: string, from: number, to: number): void {
  describe(title, () => {
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
}
