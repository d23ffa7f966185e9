import { randomUUID } from "node:crypto";
import { orders } from "@orderhook/db";
import { orderReason } from "@orderhook/errors";
import { buildOrderJob } from "@orderhook/testing";
import { getTableColumns } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { ORDER_INSERT_COLUMNS, ORDER_RECORD, ORDER_TABLE_COLUMNS } from "./order-columns";
import { orderRow, salvageRow } from "./order-row";

const recordNames = [...ORDER_RECORD.matchAll(/(?:\(|, )(\w+) \w+/g)].map((m) => m[1]);
const ids = () => ({
  userId: randomUUID(),
  email: "x@example.test",
  accountId: randomUUID(),
  accountName: "main",
  webhookId: randomUUID(),
  token: "oh_x",
  signingSecret: null,
});

describe("the orders columns the worker writes", () => {
  it("are the Drizzle table's: every column, in order, but created_at (its default)", () => {
    const table = Object.values(getTableColumns(orders)).map((column) => column.name);
    expect(ORDER_TABLE_COLUMNS).toEqual(table);
    expect(ORDER_INSERT_COLUMNS.split(", ")).toEqual(table.filter((name) => name !== "created_at"));
    expect(recordNames).toEqual(table.filter((name) => name !== "created_at" && name !== "processed_at"));
  });

  it("carry times as epoch milliseconds and everything else as the column's own type", () => {
    expect(ORDER_RECORD).toContain("received_at bigint");
    expect(ORDER_RECORD).toContain("alert_time bigint");
    expect(ORDER_RECORD).toContain("quantity numeric");
    expect(ORDER_RECORD).toContain("raw_payload jsonb");
    expect(ORDER_RECORD).toContain("id uuid");
  });

  it("are exactly the fields orderRow and salvageRow set", () => {
    const job = buildOrderJob(ids());
    expect(Object.keys(orderRow(job, "accepted")).sort()).toEqual([...recordNames].sort());
    const salvaged = salvageRow(job.orderId, job, orderReason("invalid_job", "test"), 1);
    expect(Object.keys(salvaged ?? {}).sort()).toEqual([...recordNames].sort());
  });
});
