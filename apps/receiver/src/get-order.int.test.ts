import { orders } from "@orderhook/db";
import { createRedis, ORDER_QUEUE_NAME } from "@orderhook/queue";
import { type Fixture, orderRow, testRedisUrl } from "@orderhook/testing";
import { Worker } from "bullmq";
import { v7 as uuidv7 } from "uuid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buyAlert, createTestReceiver, type TestReceiver } from "../test/receiver-harness";
import type { RequestRecord } from "./app";

let r: TestReceiver;
let f: Fixture;
const requests: RequestRecord[] = [];

beforeAll(async () => {
  r = await createTestReceiver({ onRequest: (record) => requests.push(record) });
  f = await r.fixture();
});
afterAll(async () => {
  await r.close();
});

async function getOrder(orderId: string, token: string | null) {
  const res = await r.app.request(`/v1/orders/${orderId}`, {
    headers: token === null ? {} : { authorization: `Bearer ${token}` },
  });
  const text = await res.text();
  return { status: res.status, text, body: JSON.parse(text) as Record<string, unknown> };
}

async function accept(comment: string): Promise<string> {
  const res = await r.app.request(`/v1/webhooks/${f.token}`, {
    method: "POST",
    body: JSON.stringify({ ...buyAlert, comment }),
  });
  const text = await res.text();
  expect(res.status, text).toBe(202);
  return String(JSON.parse(text).orderId);
}

describe("GET /v1/orders/{orderId}", () => {
  it("reports a waiting job as queued and an active one as processing", async () => {
    const orderId = await accept("status");
    const queued = await getOrder(orderId, f.token);
    expect(queued.status, queued.text).toBe(200);
    expect(queued.body, queued.text).toMatchObject({
      orderId,
      status: "queued",
      ticker: "AAPL",
      action: "buy",
    });

    const connection = createRedis(testRedisUrl(), { maxRetriesPerRequest: null });
    const worker = new Worker(ORDER_QUEUE_NAME, null, { connection, prefix: r.prefix, autorun: false });
    try {
      const job = await worker.getNextJob("test-token");
      expect(job?.id, queued.text).toBe(orderId);
      const active = await getOrder(orderId, f.token);
      expect(active.body.status, active.text).toBe("processing");
    } finally {
      await worker.close(true);
      connection.disconnect();
    }
  });

  it("reads the worker's row once the job is gone, with the reason of a rejection", async () => {
    const orderId = uuidv7();
    await r.db.db
      .insert(orders)
      .values(orderRow(f, orderId, { rawPayload: buyAlert, status: "rejected", reason: "account disabled" }));
    const { status, body, text } = await getOrder(orderId, f.token);
    expect(status, text).toBe(200);
    expect(body, text).toMatchObject({ orderId, status: "rejected", reason: "account disabled" });
  });

  it("answers 404 for another user's order and for an unknown one", async () => {
    const orderId = await accept("private");
    const other = await r.fixture();
    const foreign = await getOrder(orderId, other.token);
    expect(foreign.status, foreign.text).toBe(404);
    expect(foreign.body.code, foreign.text).toBe("not_found");
    const unknown = await getOrder(uuidv7(), f.token);
    expect(unknown.status, unknown.text).toBe(404);
    const garbage = await getOrder("not-a-uuid", f.token);
    expect(garbage.status, garbage.text).toBe(404);
  });

  it("answers 401 invalid_token without a bearer token or with an unknown one", async () => {
    const orderId = await accept("auth");
    for (const token of [null, "oh_nope"]) {
      const { status, body, text } = await getOrder(orderId, token);
      expect(status, text).toBe(401);
      expect(body.code, text).toBe("invalid_token");
    }
  });
});

describe("the request outcome of GET /v1/orders/{orderId} in logs and metrics", () => {
  it("is the request's own (found, not_found, invalid_token), never the order's status", async () => {
    const orderId = await accept("outcome");
    const outcomes = async (token: string | null, id = orderId) => {
      const answer = await getOrder(id, token);
      const record = requests.findLast((rec) => rec.route === "/v1/orders/:orderId");
      return [answer.status, record?.outcome, answer.text] as const;
    };
    const [found, foundOutcome, foundText] = await outcomes(f.token);
    expect([found, foundOutcome], foundText).toEqual([200, "found"]);
    const [missing, missingOutcome, missingText] = await outcomes(f.token, uuidv7());
    expect([missing, missingOutcome], missingText).toEqual([404, "not_found"]);
    const [refused, refusedOutcome, refusedText] = await outcomes("oh_nope");
    expect([refused, refusedOutcome], refusedText).toEqual([401, "invalid_token"]);
  });
});

describe("routes", () => {
  it("answers /healthz and /readyz with 200 while Redis is usable", async () => {
    expect((await r.app.request("/healthz")).status).toBe(200);
    const ready = await r.app.request("/readyz");
    expect(ready.status, await ready.text()).toBe(200);
  });

  it("answers unknown routes with 404 and wrong methods with 405, as problem+json with a request id", async () => {
    const missing = await r.app.request("/nope");
    const missingText = await missing.text();
    expect(missing.status, missingText).toBe(404);
    expect(missing.headers.get("content-type"), missingText).toBe("application/problem+json");
    expect(missing.headers.get("x-request-id"), missingText).toBeTruthy();
    expect(JSON.parse(missingText).code, missingText).toBe("not_found");

    const wrong = await r.app.request(`/v1/webhooks/${f.token}`, { method: "GET" });
    const wrongText = await wrong.text();
    expect(wrong.status, wrongText).toBe(405);
    expect(wrong.headers.get("allow"), wrongText).toBe("POST");
    expect(JSON.parse(wrongText).code, wrongText).toBe("method_not_allowed");
    expect(wrongText, wrongText).not.toContain(f.token);
  });
});
