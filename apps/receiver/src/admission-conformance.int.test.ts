import { ORDER_JOB_NAME, ORDER_QUEUE_NAME, type OrderJob, orderJobKey } from "@orderhook/queue";
import { buildOrderJob } from "@orderhook/testing";
import { type Job, QueueEvents, Worker } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buyAlert, createTestReceiver, type TestReceiver } from "../test/receiver-harness";
import { type AdmitRequest, createAdmission } from "./admission";
import { newOrderId } from "./order-id";

// The admission script adds jobs with BullMQ's own addStandardJob Lua and arguments captured
// from BullMQ's own code: what it writes must be what Queue.add writes, and BullMQ must run it.

let r: TestReceiver;

/** BullMQ's blocking connections wait forever by design; the receiver's fail fast. */
const opened: ReturnType<TestReceiver["redis"]["duplicate"]>[] = [];
const blockingConnection = () => {
  const connection = r.redis.duplicate({
    maxRetriesPerRequest: null,
    commandTimeout: undefined,
    enableOfflineQueue: true,
  });
  opened.push(connection);
  return connection;
};

beforeAll(async () => {
  r = await createTestReceiver();
});
afterAll(async () => {
  for (const connection of opened) connection.disconnect();
  await r.close();
});

async function accept(comment: string): Promise<string> {
  const f = await r.fixture();
  const res = await r.app.request(`/v1/webhooks/${f.token}`, {
    method: "POST",
    body: JSON.stringify({ ...buyAlert, comment }),
  });
  const text = await res.text();
  expect(res.status, text).toBe(202);
  return (JSON.parse(text) as { orderId: string }).orderId;
}

function withoutJobId(optsJson: string | undefined): Record<string, unknown> {
  const { jobId: _, ...rest } = JSON.parse(optsJson ?? "{}") as Record<string, unknown>;
  return rest;
}

/** Adds a twin of `orderId`'s job with Queue.add and compares what each wrote. */
async function expectWrittenAsQueueAdd(orderId: string, twinId: string): Promise<void> {
  const ours = await r.redis.hgetall(orderJobKey(r.prefix, orderId));
  const data = JSON.parse(ours.data ?? "null") as OrderJob;
  expect(data.orderId).toBe(orderId);

  await r.queue.add(
    ORDER_JOB_NAME,
    { ...data, orderId: twinId },
    { jobId: twinId, timestamp: data.receivedAt },
  );
  const theirs = await r.redis.hgetall(orderJobKey(r.prefix, twinId));

  expect(Object.keys(ours).sort()).toEqual(Object.keys(theirs).sort());
  expect(ours.name).toBe(theirs.name);
  expect(ours.timestamp).toBe(String(data.receivedAt));
  expect(ours.delay).toBe(theirs.delay);
  expect(ours.priority).toBe(theirs.priority);
  expect(JSON.parse(ours.opts ?? "{}").jobId).toBe(orderId);
  // Queue.add was given an explicit timestamp, which BullMQ keeps among the options.
  const { timestamp: _, ...theirOpts } = withoutJobId(theirs.opts);
  expect(withoutJobId(ours.opts)).toEqual(theirOpts);

  const waiting = await r.redis.lrange(`${r.prefix}:${ORDER_QUEUE_NAME}:wait`, 0, -1);
  expect(waiting).toEqual(expect.arrayContaining([orderId, twinId]));
  const events = await r.redis.xrange(`${r.prefix}:${ORDER_QUEUE_NAME}:events`, "-", "+");
  const eventsFor = (id: string) =>
    events.filter(([, fields]) => fields.includes(id)).map(([, fields]) => fields[1]);
  expect(eventsFor(orderId)).toEqual(eventsFor(twinId));
  expect(eventsFor(orderId)).toEqual(["added", "waiting"]);
  expect(await (await r.queue.getJob(orderId))?.getState()).toBe("waiting");
}

/** Admits `count` alerts started in one turn, so one script call; all accepted. */
async function admitBatch(tag: string, count = 3): Promise<AdmitRequest[]> {
  const admission = createAdmission(r.redis, r.queue, { prefix: r.prefix, idempotencyTtlMs: 86_400_000 });
  const fixture = await r.fixture();
  const requests = Array.from({ length: count }, (_, i): AdmitRequest => {
    const receivedAt = Date.now();
    return {
      bodyHash: Buffer.from(`${tag}-${i}`).toString("base64"),
      rate: 100,
      burst: 100,
      dedupWindowMs: 1_000,
      signature: null,
      job: buildOrderJob(
        fixture,
        { ...buyAlert, comment: `${tag}-${i}` },
        { orderId: newOrderId(receivedAt), receivedAt },
      ),
    };
  });
  const results = await Promise.all(requests.map((request) => admission.admit(request)));
  expect(results).toEqual(Array(count).fill({ outcome: "accepted" }));
  return requests;
}

describe("the admission script's enqueue", () => {
  it("writes the job hash, wait list entry and events that Queue.add writes", async () => {
    const orderId = await accept("conformance");
    await expectWrittenAsQueueAdd(orderId, "01900000-0000-7000-8000-00000000c0de");
  });

  it("writes for each alert of a batch what Queue.add writes for it", async () => {
    const requests = await admitBatch("batch");
    for (const [i, request] of requests.entries()) {
      await expectWrittenAsQueueAdd(request.job.orderId, `01900000-0000-7000-8000-00000000c0d${i}`);
    }
  });

  // The batch's adds share what BullMQ's add reads of the queue (bullmq-lua.ts, MEMOIZED_HELPERS).
  it("marks a batch for the workers as Queue.add does: once when running, not when paused or at its concurrency", async () => {
    const queueKey = `${r.prefix}:${ORDER_QUEUE_NAME}`;
    const marker = async () => r.redis.zrange(`${queueKey}:marker`, 0, -1, "WITHSCORES");
    await r.redis.del(`${queueKey}:marker`);
    const running = await admitBatch("running");
    expect(await marker()).toEqual(["0", "0"]);

    await r.queue.pause();
    try {
      await r.redis.del(`${queueKey}:marker`);
      const paused = await admitBatch("paused");
      await expectWrittenAsQueueAdd(paused[2]!.job.orderId, "01900000-0000-7000-8000-00000000c0e0");
      expect(await marker()).toEqual([]);
    } finally {
      await r.queue.resume();
    }

    await r.queue.setGlobalConcurrency(1);
    await r.redis.rpush(`${queueKey}:active`, "busy");
    await r.redis.del(`${queueKey}:marker`);
    try {
      const maxed = await admitBatch("maxed");
      await expectWrittenAsQueueAdd(maxed[2]!.job.orderId, "01900000-0000-7000-8000-00000000c0e1");
      expect(await marker()).toEqual([]);
    } finally {
      await r.redis.lrem(`${queueKey}:active`, 0, "busy");
      await r.queue.removeGlobalConcurrency();
    }
    for (const request of running)
      expect(await (await r.queue.getJob(request.job.orderId))?.getState()).toBe("waiting");
  });

  it("queues jobs that a BullMQ worker takes, completes, and reports to QueueEvents", async () => {
    const events = new QueueEvents(ORDER_QUEUE_NAME, { connection: blockingConnection(), prefix: r.prefix });
    await events.waitUntilReady();
    const orderIds = [await accept("worker-a"), await accept("worker-b")];
    const completed = new Set<string>();
    const allCompleted = new Promise<void>((resolve) => {
      events.on("completed", ({ jobId }) => {
        if (orderIds.includes(jobId)) completed.add(jobId);
        if (completed.size === orderIds.length) resolve();
      });
    });
    const seen: string[] = [];
    const worker = new Worker(
      ORDER_QUEUE_NAME,
      async (job: Job<OrderJob>) => {
        seen.push(job.data.orderId);
        return "done";
      },
      { connection: blockingConnection(), prefix: r.prefix },
    );
    try {
      await allCompleted;
      expect(seen).toEqual(expect.arrayContaining(orderIds));
      for (const orderId of orderIds) {
        const job = await r.queue.getJob(orderId);
        expect(await job?.getState()).toBe("completed");
        expect(job?.attemptsMade).toBe(1);
        expect(job?.opts.attempts).toBe(12);
      }
    } finally {
      await worker.close();
      await events.close();
    }
  });
});
