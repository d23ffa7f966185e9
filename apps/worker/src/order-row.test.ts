import { randomUUID } from "node:crypto";
import { orderReason } from "@orderhook/errors";
import { describe, expect, it } from "vitest";
import { salvageRow } from "./order-row";

const invalid = orderReason("invalid_job", "does not match the job contract");

describe("salvageRow", () => {
  it("keeps what a contract-breaking job still tells about the order, as a rejected row", () => {
    const id = randomUUID();
    const userId = randomUUID();
    const row = salvageRow(
      id,
      {
        userId,
        accountId: "not-a-uuid",
        alert: { ticker: "AAPL", action: "hold" },
        raw: { x: 1 },
        receivedAt: 5,
      },
      orderReason("invalid_job", "alert.action expected one of buy, sell, exit, cancel"),
      9,
    );
    expect(row).toMatchObject({
      id,
      user_id: userId,
      account_id: null,
      ticker: "AAPL",
      action: "hold",
      raw_payload: { x: 1 },
      status: "rejected",
      received_at: 5,
      idempotency_key: null,
    });
  });

  it("gives up when the order id or the owner is unusable", () => {
    expect(salvageRow("42", { userId: randomUUID() }, invalid, 1)).toBeNull();
    expect(salvageRow(randomUUID(), { userId: 7 }, invalid, 1)).toBeNull();
    expect(salvageRow(randomUUID(), "garbage", invalid, 1)).toBeNull();
  });

  it("falls back to the job's enqueue time and the whole job data when fields are missing", () => {
    const data = { userId: randomUUID() };
    expect(salvageRow(randomUUID(), data, invalid, 1234)).toMatchObject({
      received_at: 1234,
      raw_payload: data,
      ticker: "",
    });
  });
});
