import { randomUUID } from "node:crypto";
import { createDbClient, orders } from "@orderhook/db";
import { orderReason } from "@orderhook/errors";
import { buildOrderJob, createFixture, type Fixture, testDatabaseUrl } from "@orderhook/testing";
import { eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { orderRow } from "./order-row";
import { createOrderWriter } from "./order-writer";

const client = createDbClient({ url: testDatabaseUrl(), max: 4, applicationName: "orderhook-worker-test" });
let fixture: Fixture;

/** The outcome of a row Postgres refused, stood in for by a `rejected` row with this reason. */
const refused = (code: string, reason: RegExp) => ({
  kind: "refused",
  status: "rejected",
  reason: expect.stringMatching(reason),
  code,
});

beforeAll(async () => {
  fixture = await createFixture(client.db);
});
afterAll(() => client.close());

describe("createOrderWriter", () => {
  it("stores concurrent rows in shared INSERTs, each with its own outcome", async () => {
    const batches: number[] = [];
    const writer = createOrderWriter({
      sql: client.sql,
      maxBatchSize: 100,
      maxWaitMs: 20,
      onBatch: (size) => batches.push(size),
    });
    const jobs = Array.from({ length: 250 }, (_, i) =>
      buildOrderJob(fixture, {
        ticker: "MSFT",
        action: "sell",
        quantity: i + 1,
        orderType: "limit",
        limitPrice: 1.5,
      }),
    );
    const outcomes = await Promise.all(jobs.map((job) => writer.write(orderRow(job, "accepted"))));
    expect(outcomes.every((o) => o.kind === "written" && o.status === "accepted")).toBe(true);
    expect(batches.sort((a, b) => b - a)).toEqual([100, 100, 50]);
    const rows = await client.db
      .select()
      .from(orders)
      .where(
        inArray(
          orders.id,
          jobs.map((j) => j.orderId),
        ),
      );
    expect(rows).toHaveLength(250);
    const first = rows.find((r) => r.id === jobs[0]!.orderId)!;
    expect(first).toMatchObject({
      ticker: "MSFT",
      action: "sell",
      quantity: "1",
      orderType: "limit",
      limitPrice: "1.5",
    });
    expect(first.receivedAt.getTime()).toBe(jobs[0]!.receivedAt);
    expect(first.processedAt).toBeInstanceOf(Date);
    expect(first.rawPayload).toEqual(jobs[0]!.raw);
  });

  it("reports an existing row with its stored reason's code, and none for a reason outside the vocabulary", async () => {
    const writer = createOrderWriter({ sql: client.sql, maxBatchSize: 10, maxWaitMs: 1 });
    const revoked = orderReason("webhook_revoked", "the webhook no longer exists");
    const job = buildOrderJob(fixture);
    expect(await writer.write(orderRow(job, "rejected", revoked), revoked.code)).toEqual({
      kind: "written",
      status: "rejected",
      reason: revoked.text,
      code: "webhook_revoked",
    });
    expect(await writer.write(orderRow(job, "accepted"))).toEqual({
      kind: "existing",
      status: "rejected",
      reason: revoked.text,
      code: "webhook_revoked",
    });
    const legacy = buildOrderJob(fixture);
    await client.db.insert(orders).values({
      id: legacy.orderId,
      userId: fixture.userId,
      ticker: "AAPL",
      action: "buy",
      orderType: "market",
      timeInForce: "day",
      rawPayload: {},
      status: "rejected",
      reason: "account disabled",
      receivedAt: new Date(),
    });
    expect(await writer.write(orderRow(legacy, "accepted"))).toMatchObject({ kind: "existing", code: null });
  });

  it("leaves one row when the same order is written twice, reporting the second as existing", async () => {
    const writer = createOrderWriter({ sql: client.sql, maxBatchSize: 10, maxWaitMs: 1 });
    const job = buildOrderJob(fixture);
    const first = await writer.write(orderRow(job, "accepted"));
    const second = await writer.write(orderRow(job, "accepted"));
    expect(first).toMatchObject({ kind: "written", status: "accepted" });
    expect(second).toMatchObject({ kind: "existing", status: "accepted" });
    expect(await client.db.select().from(orders).where(eq(orders.id, job.orderId))).toHaveLength(1);
  });

  it("rejects only the row Postgres refuses and stores the rest of its batch", async () => {
    const writer = createOrderWriter({ sql: client.sql, maxBatchSize: 64, maxWaitMs: 20 });
    const jobs = Array.from({ length: 40 }, () => buildOrderJob(fixture));
    // No Postgres text or jsonb value can hold U+0000 (the job contract refuses it; this row skips it).
    const bad = buildOrderJob(fixture);
    bad.alert.comment = "nul\u0000byte";
    jobs.splice(17, 0, bad);
    const outcomes = await Promise.all(jobs.map((job) => writer.write(orderRow(job, "accepted"))));
    const notWritten = outcomes.filter((o) => o.kind !== "written");
    expect(notWritten).toEqual([refused("invalid_order", /^invalid_order: /)]);
    expect(outcomes[17]!.kind).toBe("refused");
    const [row] = await client.db.select().from(orders).where(eq(orders.id, bad.orderId));
    expect(row).toMatchObject({ status: "rejected", comment: "nul\ufffdbyte" });
  });

  it("stores a refused row's stand-in with unpaired surrogates and out-of-range times made storable", async () => {
    const writer = createOrderWriter({ sql: client.sql, maxBatchSize: 10, maxWaitMs: 1 });
    const job = buildOrderJob(fixture);
    const row = {
      ...orderRow(job, "accepted"),
      raw_payload: { comment: "\ud800x", ["k\udc00"]: ["\u0000"] },
      alert_time: -1_000_000_000_000_000,
    };
    const outcome = await writer.write(row);
    expect(outcome).toEqual(refused("invalid_order", /^invalid_order: /));
    const [stored] = await client.db.select().from(orders).where(eq(orders.id, job.orderId));
    expect(stored, JSON.stringify(stored)).toMatchObject({
      status: "rejected",
      alertTime: null,
      rawPayload: { comment: "\ufffdx", "k\ufffd": ["\ufffd"] },
    });
  });

  it("falls back to a bare rejected row when even the storable stand-in is refused", async () => {
    const writer = createOrderWriter({ sql: client.sql, maxBatchSize: 10, maxWaitMs: 1 });
    const job = buildOrderJob(fixture);
    // Past the job contract (which refuses it), as forged or corrupted Redis data would be.
    const outcome = await writer.write({ ...orderRow(job, "accepted"), quantity: "not a number" });
    expect(outcome).toEqual(refused("invalid_order", /stored without its fields/));
    const [stored] = await client.db.select().from(orders).where(eq(orders.id, job.orderId));
    expect(stored, JSON.stringify(stored)).toMatchObject({
      status: "rejected",
      quantity: null,
      rawPayload: {},
      ticker: "AAPL",
      userId: fixture.userId,
      reason: expect.stringMatching(/^invalid_order: .*numeric.*stored without its fields/),
    });
  });

  it("rejects an explicit idempotency key reused after the receiver's window, keeping the order without the key", async () => {
    const writer = createOrderWriter({ sql: client.sql, maxBatchSize: 10, maxWaitMs: 1 });
    const key = `key-${randomUUID()}`;
    const body = { ticker: "AAPL", action: "buy", quantity: 1, idempotencyKey: key };
    const first = buildOrderJob(fixture, body);
    const again = buildOrderJob(fixture, body);
    expect(await writer.write(orderRow(first, "accepted"))).toMatchObject({ kind: "written" });
    const outcome = await writer.write(orderRow(again, "accepted"));
    expect(outcome).toEqual(refused("duplicate_idempotency_key", /^duplicate_idempotency_key: /));
    const [row] = await client.db.select().from(orders).where(eq(orders.id, again.orderId));
    expect(row).toMatchObject({ status: "rejected", idempotencyKey: null });
  });

  it("turns a failed row into the replayed order's outcome without adding a row", async () => {
    const writer = createOrderWriter({ sql: client.sql, maxBatchSize: 10, maxWaitMs: 1 });
    const job = buildOrderJob(fixture);
    await writer.write(
      orderRow(job, "failed", orderReason("transient", "connect ECONNREFUSED")),
      "transient",
    );
    const outcome = await writer.write(orderRow(job, "accepted"));
    expect(outcome).toMatchObject({ kind: "written", status: "accepted" });
    const rows = await client.db.select().from(orders).where(eq(orders.id, job.orderId));
    expect(rows).toEqual([expect.objectContaining({ status: "accepted", reason: null })]);
  });

  it("reports a row whose owner is gone as unwritable", async () => {
    const writer = createOrderWriter({ sql: client.sql, maxBatchSize: 10, maxWaitMs: 1 });
    const job = buildOrderJob(fixture, undefined, { userId: randomUUID() });
    const outcome = await writer.write(orderRow(job, "accepted"));
    expect(outcome).toEqual({
      kind: "unwritable",
      reason: expect.stringMatching(/^invalid_order: .*foreign key/),
      code: "invalid_order",
    });
  });
});
