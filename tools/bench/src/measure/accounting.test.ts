import { describe, expect, it } from "vitest";
import type { Ack } from "../load/load-spec";
import { accountFor, endToEndLatency } from "./accounting";
import type { OrderRows } from "./order-rows";

const ack = (orderId: string, ackAtMs = 1_000): Ack => ({ orderId, ackAtMs });

function rows(entries: [id: string, writtenAt: number][], distinctAlerts = entries.length): OrderRows {
  return { writtenAt: new Map(entries), total: entries.length, distinctAlerts };
}

describe("accountFor", () => {
  it("balances when every acked orderId has exactly one row", () => {
    expect(
      accountFor(
        [ack("a"), ack("b")],
        rows([
          ["a", 1],
          ["b", 2],
        ]),
      ),
    ).toEqual({
      acked: 2,
      rows: 2,
      lost: 0,
      duplicated: 0,
      unacknowledged: 0,
    });
  });

  it("counts an acked orderId without a row as lost", () => {
    expect(accountFor([ack("a"), ack("b")], rows([["a", 1]]))).toMatchObject({ lost: 1, duplicated: 0 });
  });

  it("counts a second row for the same alert, and an orderId acked as new twice, as duplicated", () => {
    const twoRowsOneAlert = rows(
      [
        ["a", 1],
        ["b", 2],
      ],
      1,
    );
    expect(accountFor([ack("a")], twoRowsOneAlert)).toMatchObject({ duplicated: 1, unacknowledged: 1 });
    expect(accountFor([ack("a"), ack("a")], rows([["a", 1]]))).toMatchObject({ acked: 1, duplicated: 1 });
  });
});

describe("endToEndLatency", () => {
  it("prefers the announced commit time to the row's timestamp, and skips orders without a row", () => {
    const summary = endToEndLatency(
      [ack("a", 1_000), ack("b", 1_000), ack("missing", 1_000)],
      rows([
        ["a", 1_004],
        ["b", 1_002],
      ]),
      new Map([["a", 1_010]]),
    );
    expect(summary.count).toBe(2);
    expect(summary.max).toBeCloseTo(10, 1);
    expect(summary.p50).toBeCloseTo(2, 1);
  });
});
