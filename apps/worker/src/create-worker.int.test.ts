import { brokerAccounts, type Order, orders, webhooks } from "@orderhook/db";
import { ORDER_QUEUE_NAME, type OrderJob } from "@orderhook/queue";
import { buildOrderJob, createFixture, uniquePrefix, waitUntil } from "@orderhook/testing";
import { Worker } from "bullmq";
import { eq, inArray } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { workerTestContext } from "../test/worker-test-context";
import type { WorkerSettings } from "./create-worker";
import { createWorkerMetrics } from "./worker-metrics";

const t = workerTestContext();
const { client, redis } = t;

function start(prefix: string, overrides: Partial<WorkerSettings> = {}) {
  const metrics = createWorkerMetrics();
  return { worker: t.startWorker(prefix, overrides, metrics), metrics };
}

const { enqueue } = t;

async function rowsFor(ids: string[]): Promise<Order[]> {
  return client.db.select().from(orders).where(inArray(orders.id, ids));
}

async function settledRows(ids: string[]): Promise<Order[]> {
  return waitUntil(
    async () => {
      const rows = await rowsFor(ids);
      return rows.length === ids.length ? rows : undefined;
    },
    async () => `rows: ${JSON.stringify(await rowsFor(ids))}`,
  );
}

/** Queues `jobs` under a prefix of their own, starts a worker on it and waits for a row per job. */
async function runJobs(label: string, jobs: { orderId: string }[]) {
  const prefix = uniquePrefix(label);
  const queue = await enqueue(prefix, jobs);
  start(prefix);
  return { queue, rows: await settledRows(jobs.map((job) => job.orderId)) };
}

describe("createWorker", () => {
  it("turns a queued job into one accepted order row with normalized fields, raw payload and times", async () => {
    const job = buildOrderJob(t.fixture, {
      symbol: "nvda",
      action: "BUY",
      quantity: "3",
      price: 101.5,
      extra: "kept",
    });
    const {
      queue,
      rows: [row],
    } = await runJobs("worker", [job]);
    expect(row, JSON.stringify(row)).toMatchObject({
      status: "accepted",
      reason: null,
      ticker: "NVDA",
      action: "buy",
      quantity: "3",
      signalPrice: "101.5",
      userId: t.fixture.userId,
      accountId: t.fixture.accountId,
      webhookId: t.fixture.webhookId,
      rawPayload: { symbol: "nvda", action: "BUY", quantity: "3", price: 101.5, extra: "kept" },
    });
    expect(row!.receivedAt.getTime()).toBe(job.receivedAt);
    expect(row!.processedAt!.getTime()).toBeGreaterThanOrEqual(job.receivedAt);
    await waitUntil(
      async () => ((await queue.getJobState(job.orderId)) === "completed" ? true : undefined),
      () => queue.getJobState(job.orderId),
    );
    await queue.close();
  });

  it("leaves exactly one row when the same job is processed a second time", async () => {
    const prefix = uniquePrefix("twice");
    const job = buildOrderJob(t.fixture);
    const queue = await enqueue(prefix, [job]);
    const { metrics } = start(prefix);
    await settledRows([job.orderId]);
    await waitUntil(
      async () => ((await queue.getJobState(job.orderId)) === "completed" ? true : undefined),
      () => queue.getJobState(job.orderId),
    );
    // As after a lost lock or a crash between commit and ack: the job runs again.
    await queue.remove(job.orderId);
    await enqueue(prefix, [job]);
    await waitUntil(
      async () => ((await queue.getJobState(job.orderId)) === "completed" ? true : undefined),
      () => queue.getJobState(job.orderId),
    );
    expect(await rowsFor([job.orderId])).toHaveLength(1);
    const outcomes = await metrics.jobs.get();
    expect(outcomes.values.map((v) => v.labels.outcome).sort()).toEqual(["accepted", "duplicate"]);
    await queue.close();
  });

  it("rejects only the invalid orders of a batch and accepts the rest", async () => {
    const prefix = uniquePrefix("batch");
    const good = Array.from({ length: 30 }, () => buildOrderJob(t.fixture));
    // As a receiver before the storable rule would have queued it.
    const nul = buildOrderJob(t.fixture);
    nul.alert.comment = "a\u0000b";
    const broken = { ...buildOrderJob(t.fixture), alert: { ticker: "AAPL", action: "hold" } };
    const queue = await enqueue(prefix, [...good.slice(0, 15), nul, broken, ...good.slice(15)]);
    const { metrics } = start(prefix, { batchMaxWaitMs: 200 });
    const rows = await settledRows([...good, nul, broken].map((j) => j.orderId));
    const byId = new Map(rows.map((r) => [r.id, r]));
    expect(good.map((j) => byId.get(j.orderId)?.status)).toEqual(good.map(() => "accepted"));
    expect(byId.get(nul.orderId)).toMatchObject({
      status: "rejected",
      reason: expect.stringMatching(/^invalid_job: alert\.comment contains U\+0000/),
    });
    expect(byId.get(broken.orderId)).toMatchObject({
      status: "rejected",
      reason: expect.stringMatching(/^invalid_job: alert/),
    });
    const batches = await metrics.batchSize.get();
    const largest = Math.max(
      ...batches.values.filter((v) => v.metricName?.endsWith("_sum")).map((v) => v.value),
    );
    expect(largest, "rows shared INSERTs").toBeGreaterThan(1);
    // A refused job's row is written before BullMQ moves the job to the failed set.
    await waitUntil(
      async () => ((await queue.getFailedCount()) >= 2 ? true : undefined),
      async () => JSON.stringify(await queue.getJobCounts()),
    );
    const failed = await queue.getFailed();
    expect(failed.map((j) => j.id).sort()).toEqual([nul.orderId, broken.orderId].sort());
    expect(failed.every((j) => j.attemptsMade === 1)).toBe(true);
    await queue.close();
  });

  it("stores every job Postgres could not hold as a rejected row with a reason naming the field, never no row", async () => {
    const prefix = uniquePrefix("unstorable");
    const job = (change: (job: OrderJob) => void) => {
      const built = buildOrderJob(t.fixture);
      change(built);
      return built;
    };
    // What receivers before the storable rule queued, or forged Redis data.
    const cases: [OrderJob, RegExp][] = [
      [
        job((j) => {
          j.raw.comment = "\ud800x";
        }),
        /^invalid_job: raw\.comment contains an unpaired UTF-16 surrogate/,
      ],
      [
        job((j) => {
          j.raw["bad\udfffkey"] = 1;
        }),
        /^invalid_job: raw\."bad\\udfffkey" key contains an unpaired/,
      ],
      [
        job((j) => {
          j.raw.meta = { deep: ["\u0000"] };
        }),
        /^invalid_job: raw\.meta\.deep\[0\] contains U\+0000/,
      ],
      [
        job((j) => {
          j.alert.alertTime = -1_000_000_000_000_000;
        }),
        /^invalid_job: alert\.alertTime must be between/,
      ],
      [
        job((j) => {
          j.alert.quantity = "1e400";
        }),
        /^invalid_job: alert\.quantity/,
      ],
      [
        job((j) => {
          j.receivedAt = 1e17;
        }),
        /^invalid_job: receivedAt/,
      ],
    ];
    const queue = await enqueue(
      prefix,
      cases.map(([j]) => j),
    );
    start(prefix);
    const rows = await settledRows(cases.map(([j]) => j.orderId));
    const byId = new Map(rows.map((r) => [r.id, r]));
    for (const [j, reason] of cases) {
      const row = byId.get(j.orderId);
      expect(row, JSON.stringify(row)).toMatchObject({
        status: "rejected",
        reason: expect.stringMatching(reason),
      });
    }
    const surrogate = byId.get(cases[0]![0].orderId);
    expect(surrogate?.rawPayload, "the payload is kept, made storable").toMatchObject({ comment: "\ufffdx" });
    await queue.close();
  });

  it("reads the JSON numbers of jobs queued by receivers before exact decimals", async () => {
    const prefix = uniquePrefix("legacy");
    const legacy = buildOrderJob(t.fixture);
    const alert = {
      ...legacy.alert,
      quantity: 0.5,
      orderType: "limit",
      limitPrice: 101.25,
      takeProfit: { price: 110 },
    };
    const queue = await enqueue(prefix, [{ ...legacy, alert }]);
    start(prefix);
    const [row] = await settledRows([legacy.orderId]);
    expect(row, JSON.stringify(row)).toMatchObject({
      status: "accepted",
      quantity: "0.5",
      limitPrice: "101.25",
      takeProfit: { price: "110" },
    });
    await queue.close();
  });

  it("refuses an order for a disabled account with a reason and no retry", async () => {
    const disabled = await createFixture(client.db, { accountActive: false });
    const job = buildOrderJob(disabled);
    const {
      queue,
      rows: [row],
    } = await runJobs("disabled", [job]);
    expect(row).toMatchObject({
      status: "rejected",
      reason: "account_forbidden: the broker account is disabled",
    });
    const failed = await waitUntil(
      async () => (await queue.getJob(job.orderId))?.failedReason || undefined,
      () => queue.getJobState(job.orderId),
    );
    expect(failed).toBe("account_forbidden: the broker account is disabled");
    expect((await queue.getJob(job.orderId))?.attemptsMade).toBe(1);
    await queue.close();
  });

  it("refuses an order sent with another user's account", async () => {
    const other = await createFixture(client.db);
    const job = buildOrderJob(t.fixture, undefined, { accountId: other.accountId });
    const {
      rows: [row],
    } = await runJobs("foreign", [job]);
    expect(row).toMatchObject({
      status: "rejected",
      reason: "account_forbidden: the broker account is not the user's",
    });
  });

  it("accepts an order received before its webhook was revoked and rejects one received after", async () => {
    const prefix = uniquePrefix("revoked");
    const owner = await createFixture(client.db);
    const revokedAt = Date.now();
    await client.db
      .update(webhooks)
      .set({ active: false, revokedAt: new Date(revokedAt) })
      .where(eq(webhooks.id, owner.webhookId));
    const before = buildOrderJob(owner, undefined, { receivedAt: revokedAt - 1_000 });
    const after = buildOrderJob(owner, undefined, { receivedAt: revokedAt + 1_000 });
    const queue = await enqueue(prefix, [before, after]);
    const { metrics } = start(prefix);
    const rows = await settledRows([before.orderId, after.orderId]);
    const byId = new Map(rows.map((r) => [r.id, r]));
    expect(byId.get(before.orderId)?.status).toBe("accepted");
    expect(byId.get(after.orderId)).toMatchObject({
      status: "rejected",
      reason: "webhook_revoked: the webhook was revoked before the alert arrived",
    });
    // Metrics label by the reason's code, never by its text.
    const outcomes = (await metrics.jobs.get()).values.map((v) => v.labels);
    expect(outcomes, JSON.stringify(outcomes)).toEqual(
      expect.arrayContaining([
        { outcome: "accepted", code: "" },
        { outcome: "rejected", code: "webhook_revoked" },
      ]),
    );
    await queue.close();
  });

  it("stops taking jobs on close but finishes the active ones and their batch", async () => {
    const prefix = uniquePrefix("close");
    const jobs = Array.from({ length: 20 }, () => buildOrderJob(t.fixture));
    const queue = await enqueue(prefix, jobs);
    const { worker } = start(prefix, { batchMaxWaitMs: 500 });
    await waitUntil(
      async () => ((await queue.getActiveCount()) > 0 ? true : undefined),
      () => "no job became active",
    );
    await worker.close();
    const counts = await queue.getJobCounts("active", "completed", "waiting");
    expect(counts.active, JSON.stringify(counts)).toBe(0);
    expect(await rowsFor(jobs.map((j) => j.orderId))).toHaveLength(counts.completed!);
    await queue.close();
  });
});

describe("jobs of dead workers", () => {
  it("marks an order failed, with the reason, when its job stalled more often than allowed", async () => {
    const prefix = uniquePrefix("stalled");
    const job = buildOrderJob(t.fixture);
    const queue = await enqueue(prefix, [job]);
    // A worker that takes the job and dies without a word: its lock simply expires.
    const doomed = new Worker(ORDER_QUEUE_NAME, null, {
      connection: redis,
      prefix,
      lockDuration: 1_000,
      autorun: false,
    });
    expect((await doomed.getNextJob("doomed-token"))?.id).toBe(job.orderId);
    await doomed.close(true);
    start(prefix, { maxStalledCount: 0, stalledIntervalMs: 1_000, lockDurationMs: 1_000 });
    const [row] = await settledRows([job.orderId]);
    expect(row, JSON.stringify(row)).toMatchObject({
      status: "failed",
      reason: expect.stringMatching(/^stalled: /),
    });
    expect(await queue.getJobState(job.orderId)).toBe("failed");
    await queue.close();
  });
});

describe("account state changes", () => {
  it("sees a disabled account once the owner cache entry expires", async () => {
    const prefix = uniquePrefix("cache");
    const owner = await createFixture(client.db);
    const first = buildOrderJob(owner);
    const queue = await enqueue(prefix, [first]);
    start(prefix);
    await settledRows([first.orderId]);
    await client.db
      .update(brokerAccounts)
      .set({ active: false })
      .where(eq(brokerAccounts.id, owner.accountId));
    const second = buildOrderJob(owner);
    await enqueue(prefix, [second]);
    const [row] = await settledRows([second.orderId]);
    expect(row?.status).toBe("rejected");
    await queue.close();
  });
});
