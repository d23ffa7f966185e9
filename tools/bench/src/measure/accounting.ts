import { LatencyRecorder, type LatencySummary } from "../load/latency-recorder";
import type { Ack } from "../load/load-spec";
import type { OrderRows } from "./order-rows";

export interface Accounting {
  /** Distinct orderIds acknowledged. */
  acked: number;
  rows: number;
  /** Acknowledged orderIds with no row. */
  lost: number;
  /** Rows beyond one per alert (same alert written twice), plus orderIds acknowledged as new twice. */
  duplicated: number;
  /** Rows whose orderId no answer carried (e.g. the client gave up before the ack arrived). */
  unacknowledged: number;
}

/** Every acked orderId must have exactly one row: lost = 0, duplicated = 0. */
export function accountFor(acks: Ack[], rows: OrderRows): Accounting {
  const acked = new Set(acks.map((a) => a.orderId));
  let lost = 0;
  for (const id of acked) if (!rows.writtenAt.has(id)) lost++;
  let unacknowledged = 0;
  for (const id of rows.writtenAt.keys()) if (!acked.has(id)) unacknowledged++;
  return {
    acked: acked.size,
    rows: rows.total,
    lost,
    duplicated: rows.total - rows.distinctAlerts + (acks.length - acked.size),
    unacknowledged,
  };
}

/**
 * Ack → row, per acknowledged order that has one: to its commit when `committedAt` knows it,
 * else to the row's own timestamp. Both clocks are this machine's.
 */
export function endToEndLatency(
  acks: Ack[],
  rows: OrderRows,
  committedAt?: Map<string, number>,
): LatencySummary {
  const recorder = new LatencyRecorder();
  for (const ack of acks) {
    const written = committedAt?.get(ack.orderId) ?? rows.writtenAt.get(ack.orderId);
    if (written !== undefined) recorder.record(Math.max(0, written - ack.ackAtMs));
  }
  return recorder.summary();
}
