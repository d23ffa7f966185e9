import { randomUUID } from "node:crypto";
import { ORDER_QUEUE_NAME } from "@orderhook/queue";
import { Worker } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buyAlert, createTestReceiver, type TestReceiver } from "../test/receiver-harness";

// A replay (200, Idempotent-Replayed: true) answers the order as GET /v1/orders/{id} reads it
// now, not always "queued". The worker's part (accepted, rejected) runs with the real worker in
// packages/reliability/src/webhook-settings.int.test.ts.

let r: TestReceiver;

beforeAll(async () => {
  r = await createTestReceiver();
});
afterAll(async () => {
  await r.close();
});

async function post(receiver: TestReceiver, token: string, key: string) {
  const res = await receiver.app.request(`/v1/webhooks/${token}`, {
    method: "POST",
    body: JSON.stringify(buyAlert),
    headers: { "content-type": "text/plain", "idempotency-key": key },
  });
  const text = await res.text();
  return {
    status: res.status,
    json: JSON.parse(text) as Record<string, unknown>,
    text,
    headers: res.headers,
  };
}

async function read(token: string, orderId: unknown) {
  const res = await r.app.request(`/v1/orders/${String(orderId)}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  return { status: res.status, json: JSON.parse(await res.text()) as Record<string, unknown> };
}

describe("a replay's status", () => {
  it("answers a replay of a waiting job with the order as GET reads it: queued, with its fields", async () => {
    const f = await r.fixture();
    const key = randomUUID();
    const first = await post(r, f.token, key);
    expect(first.status, first.text).toBe(202);
    const replay = await post(r, f.token, key);
    expect(replay.status, replay.text).toBe(200);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(replay.json, replay.text).toMatchObject({
      orderId: first.json.orderId,
      status: "queued",
      reason: null,
      ticker: "AAPL",
      quantity: "10",
      receivedAt: first.json.receivedAt,
    });
    expect(replay.json, replay.text).toEqual((await read(f.token, first.json.orderId)).json);
  });

  it("says processing once a worker has taken the job", async () => {
    const own = await createTestReceiver();
    // BullMQ's own worker, run by hand: it moves the next job to active and holds it there.
    const connection = own.redis.duplicate({ maxRetriesPerRequest: null });
    const worker = new Worker(ORDER_QUEUE_NAME, null, {
      connection,
      prefix: own.prefix,
      autorun: false,
    });
    try {
      const f = await own.fixture();
      const key = randomUUID();
      const first = await post(own, f.token, key);
      expect(first.status, first.text).toBe(202);
      const taken = await worker.getNextJob(randomUUID(), { block: false });
      expect(taken?.id, first.text).toBe(first.json.orderId);
      const replay = await post(own, f.token, key);
      expect(replay.status, replay.text).toBe(200);
      expect(replay.json, replay.text).toMatchObject({ orderId: first.json.orderId, status: "processing" });
    } finally {
      await worker.close(true);
      connection.disconnect();
      await own.close();
    }
  });

  it("answers 503 naming the order when its status cannot be read, and a retry safe", async () => {
    const own = await createTestReceiver();
    const f = await own.fixture();
    const key = randomUUID();
    const first = await post(own, f.token, key);
    expect(first.status, first.text).toBe(202);
    // The job gone from Redis (done), and Postgres out of reach: the status is in neither.
    await (await own.queue.getJob(String(first.json.orderId)))!.remove();
    await own.db.close();
    try {
      const replay = await post(own, f.token, key);
      expect(replay.status, replay.text).toBe(503);
      expect(replay.json, replay.text).toMatchObject({
        code: "unavailable",
        detail: expect.stringContaining(
          `This request repeats order ${String(first.json.orderId)}, which exists`,
        ),
      });
      expect(replay.headers.get("retry-after"), replay.text).toBe("1");
    } finally {
      await own.close().catch(() => {});
    }
  });
});
