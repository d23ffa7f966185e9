import { createHash } from "node:crypto";
import { webhooks } from "@orderhook/db";
import { orderJobSchema } from "@orderhook/queue";
import { type Fixture, signHeaders } from "@orderhook/testing";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buyAlert, createTestReceiver, type TestReceiver } from "../test/receiver-harness";

let r: TestReceiver;
let f: Fixture;

beforeAll(async () => {
  r = await createTestReceiver();
  f = await r.fixture();
});
afterAll(async () => {
  await r.close();
});

function post(token: string, body: unknown, headers: Record<string, string> = {}) {
  return r.app.request(`/v1/webhooks/${token}`, {
    method: "POST",
    body: typeof body === "string" ? body : JSON.stringify(body),
    headers: { "content-type": "text/plain", ...headers },
  });
}

async function read(res: Response): Promise<{ status: number; body: Record<string, unknown>; text: string }> {
  const text = await res.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text);
  } catch {}
  return { status: res.status, body, text };
}

const key = () => `key-${Math.random().toString(36).slice(2)}`;

describe("POST /v1/webhooks/{token}", () => {
  it("acks a text/plain alert with 202 only once its job is in Redis", async () => {
    const res = await post(f.token, { ...buyAlert, symbol: "msft", ticker: undefined, price: "412.5" });
    const { status, body, text } = await read(res);
    expect(status, text).toBe(202);
    expect(body, text).toMatchObject({ status: "queued" });
    expect(typeof body.receivedAt, text).toBe("string");
    expect(res.headers.get("x-request-id"), text).toBeTruthy();
    const job = await r.queue.getJob(String(body.orderId));
    expect(job, text).toBeDefined();
    const data = orderJobSchema.parse(job!.data);
    expect(data).toMatchObject({
      orderId: body.orderId,
      userId: f.userId,
      webhookId: f.webhookId,
      accountId: f.accountId,
      idempotencyKey: null,
      alert: { ticker: "MSFT", action: "buy", quantity: "10", signalPrice: "412.5" },
    });
  });

  it("replays the same key and payload with 200, the same orderId and Idempotent-Replayed", async () => {
    const k = key();
    const first = await read(await post(f.token, buyAlert, { "idempotency-key": k }));
    expect(first.status, first.text).toBe(202);
    const res = await post(f.token, buyAlert, { "idempotency-key": k });
    const second = await read(res);
    expect(second.status, second.text).toBe(200);
    expect(second.body.orderId, second.text).toBe(first.body.orderId);
    expect(res.headers.get("idempotent-replayed"), second.text).toBe("true");
  });

  it("takes the idempotency key from the body when there is no header", async () => {
    const body = { ...buyAlert, idempotencyKey: key() };
    const first = await read(await post(f.token, body));
    const second = await read(await post(f.token, body));
    expect(first.status, first.text).toBe(202);
    expect(second.status, second.text).toBe(200);
    expect(second.body.orderId, second.text).toBe(first.body.orderId);
    const job = await r.queue.getJob(String(first.body.orderId));
    expect(job?.data.idempotencyKey, first.text).toBe(body.idempotencyKey);
  });

  it("refuses the same key with another payload with 422 idempotency_key_reused", async () => {
    const k = key();
    await post(f.token, buyAlert, { "idempotency-key": k });
    const { status, body, text } = await read(
      await post(f.token, { ...buyAlert, quantity: 11 }, { "idempotency-key": k }),
    );
    expect(status, text).toBe(422);
    expect(body.code, text).toBe("idempotency_key_reused");
  });

  it("answers 409 idempotency_in_flight for a key an older receiver reserved but has not queued yet", async () => {
    const k = key();
    const raw = JSON.stringify(buyAlert);
    const fingerprint = createHash("sha256").update(raw).digest("base64");
    // Receivers before the one-script admission reserved keys as P|… before a separate enqueue.
    await r.redis.set(
      `${r.prefix}:idem:${f.userId}:k:${k}`,
      `P|0190f0a0-0000-7000-8000-000000000000|${fingerprint}`,
      "PX",
      60_000,
    );
    const { status, body, text } = await read(await post(f.token, raw, { "idempotency-key": k }));
    expect(status, text).toBe(409);
    expect(body.code, text).toBe("idempotency_in_flight");
  });

  it("deduplicates an identical body without a key within the window, by its hash", async () => {
    const body = { ...buyAlert, comment: key() };
    const [a, b] = await Promise.all([read(await post(f.token, body)), read(await post(f.token, body))]);
    expect([a.status, b.status].sort(), a.text + b.text).toEqual([200, 202]);
    expect(a.body.orderId, a.text + b.text).toBe(b.body.orderId);
  });

  it("queues 1,000 concurrent requests with one idempotency key exactly once", async () => {
    // A receiver with a queue of its own, so the queue's contents are this test's alone.
    const own = await createTestReceiver();
    try {
      const owner = await own.fixture();
      const k = key();
      const responses = await Promise.all(
        Array.from({ length: 1_000 }, async () => {
          const res = await own.app.request(`/v1/webhooks/${owner.token}`, {
            method: "POST",
            body: JSON.stringify(buyAlert),
            headers: { "idempotency-key": k },
          });
          return read(res);
        }),
      );
      const accepted = responses.filter((x) => x.status === 202);
      expect(accepted, JSON.stringify(accepted)).toHaveLength(1);
      const orderId = String(accepted[0]!.body.orderId);
      for (const x of responses.filter((y) => y.status !== 202)) {
        expect([200, 409], x.text).toContain(x.status);
        if (x.status === 200) expect(x.body.orderId, x.text).toBe(orderId);
      }
      const jobs = await own.queue.getJobs(["waiting", "delayed", "active", "prioritized"]);
      expect(
        jobs.map((job) => job.id),
        JSON.stringify(jobs.map((job) => job.id)),
      ).toEqual([orderId]);
    } finally {
      await own.close();
    }
  });

  it("answers 400 malformed_json for a body that is not JSON", async () => {
    const { status, body, text } = await read(await post(f.token, "ticker=AAPL&action=buy"));
    expect(status, text).toBe(400);
    expect(body, text).toMatchObject({
      code: "malformed_json",
      status: 400,
      type: "urn:orderhook:problem:malformed_json",
    });
    expect(body.requestId, text).toBeTruthy();
  });

  it("accepts JSON behind a UTF-8 byte order mark (as Windows tools write it) with 202", async () => {
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    const res = await r.app.request(`/v1/webhooks/${f.token}`, {
      method: "POST",
      body: Buffer.concat([bom, Buffer.from(JSON.stringify({ ...buyAlert, idempotencyKey: key() }))]),
      headers: { "content-type": "text/plain" },
    });
    const { status, body, text } = await read(res);
    expect(status, text).toBe(202);
    const job = await r.queue.getJob(String(body.orderId));
    expect(job?.data.alert.ticker, text).toBe("AAPL");
  });

  it("answers 413 payload_too_large for a declared body over the limit", async () => {
    const big = JSON.stringify({ ...buyAlert, comment: "x".repeat(70_000) });
    const { status, body, text } = await read(await post(f.token, big));
    expect(status, text).toBe(413);
    expect(body.code, text).toBe("payload_too_large");
  });

  it("answers 413 for a streamed body without Content-Length once it crosses the limit", async () => {
    let pulled = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        if (pulled > 1_000) controller.close();
        else controller.enqueue(new Uint8Array(16_384).fill(0x20));
      },
    });
    const res = await r.app.request(`/v1/webhooks/${f.token}`, {
      method: "POST",
      body: stream,
      duplex: "half",
    } as RequestInit);
    const { status, body, text } = await read(res);
    expect(status, text).toBe(413);
    expect(body.code, text).toBe("payload_too_large");
    expect(pulled, text).toBeLessThan(20);
  });

  it("answers the same 401 invalid_token for an unknown and a revoked token", async () => {
    const revoked = await r.fixture();
    await r.db.db
      .update(webhooks)
      .set({ active: false, revokedAt: new Date() })
      .where(eq(webhooks.id, revoked.webhookId));
    const unknown = await read(await post("oh_doesnotexist", buyAlert));
    const gone = await read(await post(revoked.token, buyAlert));
    expect(unknown.status, unknown.text).toBe(401);
    expect(gone.status, gone.text).toBe(401);
    const { requestId: _a, ...u } = unknown.body;
    const { requestId: _b, ...g } = gone.body;
    expect(g, gone.text).toEqual(u);
    expect(u.code, unknown.text).toBe("invalid_token");
  });

  it("answers 403 account_forbidden for another user's account or a disabled one", async () => {
    const other = await r.fixture();
    const foreign = await read(await post(f.token, { ...buyAlert, account: other.accountId }));
    expect(foreign.status, foreign.text).toBe(403);
    expect(foreign.body.code, foreign.text).toBe("account_forbidden");
    const disabled = await r.fixture({ accountActive: false });
    const off = await read(await post(disabled.token, buyAlert));
    expect(off.status, off.text).toBe(403);
    expect(off.body.code, off.text).toBe("account_forbidden");
  });

  it("routes an alert to another of the owner's accounts named by id or by name", async () => {
    const byName = await read(await post(f.token, { ...buyAlert, account: f.accountName }));
    expect(byName.status, byName.text).toBe(202);
    const byId = await read(await post(f.token, { ...buyAlert, account: f.accountId, comment: "id" }));
    expect(byId.status, byId.text).toBe(202);
    const job = await r.queue.getJob(String(byId.body.orderId));
    expect(job?.data.accountId, byId.text).toBe(f.accountId);
  });

  it("answers 422 invalid_order with one error per offending field", async () => {
    const { status, body, text } = await read(
      await post(f.token, { ticker: "", action: "hold", quantity: -1 }),
    );
    expect(status, text).toBe(422);
    expect(body.code, text).toBe("invalid_order");
    const fields = (body.errors as { field: string }[]).map((e) => e.field).sort();
    expect(fields, text).toEqual(["action", "quantity", "ticker"]);
  });

  it("refuses prototype-poisoning keys with 422 invalid_order naming the key", async () => {
    const { status, body, text } = await read(
      await post(
        f.token,
        `{"ticker":"AAPL","action":"buy","quantity":1,"meta":{"__proto__":{"admin":true}}}`,
      ),
    );
    expect(status, text).toBe(422);
    expect(body.code, text).toBe("invalid_order");
    expect(body.errors, text).toEqual([
      { field: "meta.__proto__", message: "forbidden key (prototype pollution)" },
    ]);
  });

  it("answers 422 stale_signal for an alert older than its maxLagSeconds", async () => {
    const alertTime = Math.floor(Date.now() / 1000) - 120;
    const { status, body, text } = await read(
      await post(f.token, { ...buyAlert, alertTime, maxLagSeconds: 30 }),
    );
    expect(status, text).toBe(422);
    expect(body.code, text).toBe("stale_signal");
  });

  it("honours a sane X-Request-Id or Railway's request id and replaces an insane one", async () => {
    const own = await post(f.token, "{", { "x-request-id": "req-123" });
    expect(own.headers.get("x-request-id")).toBe("req-123");
    expect((await read(own)).body.requestId).toBe("req-123");
    const railway = await post(f.token, "{", { "x-railway-request-id": "Rw_abc-42" });
    expect(railway.headers.get("x-request-id")).toBe("Rw_abc-42");
    const insane = await post(f.token, "{", { "x-request-id": "a b<script>" });
    expect(insane.headers.get("x-request-id")).not.toBe("a b<script>");
  });
});

describe("signed webhooks", () => {
  let signed: Fixture;
  beforeAll(async () => {
    signed = await r.fixture({ signingSecret: true });
  });

  it("accepts a valid Standard Webhooks signature, also among several", async () => {
    const body = JSON.stringify({ ...buyAlert, comment: "signed" });
    const headers = signHeaders(signed.signingSecret!, body);
    headers["webhook-signature"] = `v1,AAAA ${headers["webhook-signature"]}`;
    const { status, text } = await read(await post(signed.token, body, headers));
    expect(status, text).toBe(202);
  });

  it("refuses a missing, wrong or five-minute-old signature with the same 401", async () => {
    const body = JSON.stringify(buyAlert);
    const missing = await read(await post(signed.token, body));
    const wrong = await read(await post(signed.token, body, signHeaders("whsec_d3Jvbmc=", body)));
    const stale = await read(
      await post(
        signed.token,
        body,
        signHeaders(signed.signingSecret!, body, { timestampSeconds: Date.now() / 1000 - 301 }),
      ),
    );
    for (const x of [missing, wrong, stale]) {
      expect(x.status, x.text).toBe(401);
      expect(x.body.code, x.text).toBe("invalid_token");
    }
  });

  it("answers a retried webhook-id with a fresh signature with 200 and the order it first queued", async () => {
    const id = `msg_${key()}`;
    const first = JSON.stringify({ ...buyAlert, comment: "one" });
    const ok = await read(await post(signed.token, first, signHeaders(signed.signingSecret!, first, { id })));
    expect(ok.status, ok.text).toBe(202);
    const second = JSON.stringify({ ...buyAlert, comment: "two" });
    const res = await post(signed.token, second, signHeaders(signed.signingSecret!, second, { id }));
    const replay = await read(res);
    expect(replay.status, replay.text).toBe(200);
    expect(replay.body.orderId, replay.text).toBe(ok.body.orderId);
    expect(res.headers.get("idempotent-replayed"), replay.text).toBe("true");
  });
});
