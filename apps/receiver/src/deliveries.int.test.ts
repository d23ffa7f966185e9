import { orders } from "@orderhook/db";
import { type Delivery, type DeliveryPage, deliveryStreamKey } from "@orderhook/deliveries";
import { orderRow, signHeaders, waitUntil } from "@orderhook/testing";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { buyAlert, receiverForFile } from "../test/receiver-harness";

const file = receiverForFile();

async function send(token: string, body: string, headers: Record<string, string> = {}) {
  const res = await file.r.app.request(`/v1/webhooks/${token}`, {
    method: "POST",
    headers: { "content-type": "text/plain", ...headers },
    body,
  });
  return { status: res.status, text: await res.text(), requestId: res.headers.get("x-request-id") };
}

async function list(token: string, query = "") {
  const res = await file.r.app.request(`/v1/deliveries${query}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const text = await res.text();
  return { status: res.status, text, body: JSON.parse(text) as DeliveryPage & Record<string, unknown> };
}

/** Refusals are logged after their answer, without waiting: poll until the log has `count` entries. */
async function deliveries(token: string, count: number, query = ""): Promise<Delivery[]> {
  return waitUntil(
    async () => {
      const page = await list(token, query);
      expect(page.status, page.text).toBe(200);
      return page.body.deliveries.length >= count ? page.body.deliveries : undefined;
    },
    async () => `fewer than ${count} deliveries: ${(await list(token, query)).text}`,
  );
}

describe("the deliveries log", () => {
  it("records an accepted alert in its admission script, with the order's status joined on read", async () => {
    const { r } = file;
    const f = await r.fixture();
    const sent = await send(f.token, JSON.stringify({ ...buyAlert, comment: "logged" }));
    expect(sent.status, sent.text).toBe(202);
    const orderId = JSON.parse(sent.text).orderId as string;
    // No wait: the entry was written in the same script that queued the job, before the 202.
    const page = await list(f.token);
    expect(page.status, page.text).toBe(200);
    expect(page.body.deliveries, page.text).toHaveLength(1);
    expect(page.body.deliveries[0], page.text).toMatchObject({
      requestId: sent.requestId,
      webhookId: f.webhookId,
      outcome: "accepted",
      httpStatus: 202,
      orderId,
      orderStatus: "queued",
      errors: [],
      contentType: "text/plain",
      bodyExcerpt: JSON.stringify({ ...buyAlert, comment: "logged" }),
    });
    expect(page.body.deliveries[0]!.ackMs, page.text).toBeGreaterThan(0);

    // The worker's verdict, read from the order's row when the log is read.
    await r.db.db.insert(orders).values(
      orderRow(f, orderId, {
        quantity: "10",
        rawPayload: buyAlert,
        status: "rejected",
        reason: "account_forbidden: disabled",
        processedAt: null,
      }),
    );
    const after = await list(f.token);
    expect(after.body.deliveries[0], after.text).toMatchObject({
      orderStatus: "rejected",
      orderReason: "account_forbidden: disabled",
    });
    await r.db.db.delete(orders).where(eq(orders.id, orderId));
  });

  it("records every refusal with its code, status and field errors, and a replay with its order", async () => {
    const f = await file.r.fixture();
    const good = JSON.stringify({ ...buyAlert, idempotencyKey: "once" });
    expect((await send(f.token, good)).status).toBe(202);
    expect((await send(f.token, good)).status).toBe(200);
    expect((await send(f.token, '{"ticker":"AAPL","action":"hold"}')).status).toBe(422);
    expect((await send(f.token, "{not json")).status).toBe(400);
    const all = await deliveries(f.token, 4);
    expect(
      all.map((d) => [d.httpStatus, d.outcome]),
      JSON.stringify(all),
    ).toEqual([
      [400, "malformed_json"],
      [422, "invalid_order"],
      [200, "replayed"],
      [202, "accepted"],
    ]);
    expect(
      all[1]!.errors.map((e) => e.field),
      JSON.stringify(all[1]),
    ).toContain("action");
    expect(all[2]!.orderId, JSON.stringify(all)).toBe(all[3]!.orderId);
    expect(all[0]!.bodyExcerpt).toBe("{not json");
  });

  it("pages newest first across a user's webhooks, and filters by one of them", async () => {
    const { r } = file;
    const f = await r.fixture();
    const sibling = await r.sibling(f);
    // Entries of two streams in the same millisecond are ordered by webhook id, not by arrival:
    // each send waits for the next millisecond, so the expected order is the sends'.
    const nextMs = () => new Promise((resolve) => setTimeout(resolve, 2));
    for (let i = 0; i < 3; i++) {
      expect((await send(f.token, JSON.stringify({ ...buyAlert, comment: `a${i}` }))).status).toBe(202);
      await nextMs();
      expect((await send(sibling.token, JSON.stringify({ ...buyAlert, comment: `b${i}` }))).status).toBe(202);
      await nextMs();
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await list(f.token, `?limit=4${cursor ? `&cursor=${cursor}` : ""}`);
      expect(page.status, page.text).toBe(200);
      seen.push(...page.body.deliveries.map((d) => JSON.parse(d.bodyExcerpt).comment as string));
      cursor = page.body.nextCursor;
    } while (cursor !== null);
    expect(seen).toEqual(["b2", "a2", "b1", "a1", "b0", "a0"]);

    // Any of the user's tokens reads the same log; `webhook` narrows it.
    const one = await list(sibling.token, `?webhook=${f.webhookId}`);
    expect(
      one.body.deliveries.map((d) => d.webhookId),
      one.text,
    ).toEqual([f.webhookId, f.webhookId, f.webhookId]);
    expect(one.body.deliveries[0]!.webhookName, one.text).toMatch(/^hook-/);
  });

  it("never shows another user's deliveries: their webhook id is 404, their entries are not merged in", async () => {
    const { r } = file;
    const mine = await r.fixture();
    const theirs = await r.fixture();
    expect((await send(theirs.token, JSON.stringify(buyAlert))).status).toBe(202);
    const page = await list(mine.token);
    expect(page.body.deliveries, page.text).toEqual([]);
    const other = await list(mine.token, `?webhook=${theirs.webhookId}`);
    expect(other.status, other.text).toBe(404);
    expect(other.body.code, other.text).toBe("not_found");
    const unknown = await list(mine.token, `?webhook=${crypto.randomUUID()}`);
    expect(unknown.status, unknown.text).toBe(404);
    expect(unknown.text.replace(unknown.body.requestId as string, "")).toBe(
      other.text.replace(other.body.requestId as string, ""),
    );
  });

  it("answers a bad query with 422 and field errors, and a missing token with 401", async () => {
    const f = await file.r.fixture();
    const bad = await list(f.token, "?limit=0&cursor=nope&webhook=42");
    expect(bad.status, bad.text).toBe(422);
    expect(bad.body.code, bad.text).toBe("invalid_query");
    expect((bad.body.errors as { field: string }[]).map((e) => e.field).sort(), bad.text).toEqual([
      "cursor",
      "limit",
      "webhook",
    ]);
    const res = await file.r.app.request("/v1/deliveries");
    expect(res.status).toBe(401);
  });

  it("keeps tokens and signatures out of the log, even a token pasted into the body", async () => {
    const { r } = file;
    const f = await r.fixture({ signingSecret: true });
    const body = JSON.stringify({ ...buyAlert, comment: `from /v1/webhooks/${f.token}` });
    const headers = signHeaders(f.signingSecret!, body);
    const accepted = await send(f.token, body, headers);
    expect(accepted.status, accepted.text).toBe(202);
    const forged = await send(f.token, body, { ...headers, "webhook-signature": "v1,AAAA" });
    expect(forged.status, forged.text).toBe(401);
    const all = await deliveries(f.token, 2);
    expect(all.map((d) => d.outcome)).toEqual(["invalid_token", "accepted"]);
    const stored = (await r.redis.xrange(deliveryStreamKey(r.prefix, f.userId, f.webhookId), "-", "+"))
      .flat(3)
      .join("\n");
    for (const secret of [f.token, f.signingSecret!, headers["webhook-signature"]!, headers["webhook-id"]!]) {
      expect(stored).not.toContain(secret);
      expect(JSON.stringify(all)).not.toContain(secret);
    }
    expect(all[1]!.bodyExcerpt).toContain("/v1/webhooks/[token]");
  });

  it("keeps the first 4 KiB of a body", async () => {
    const f = await file.r.fixture();
    // Refused (the comment is over its limit), and logged like any refusal.
    const long = JSON.stringify({ ...buyAlert, comment: "x".repeat(10_000) });
    const sent = await send(f.token, long);
    expect(sent.status, sent.text).toBe(422);
    const [entry] = await deliveries(f.token, 1);
    expect(entry!.bodyExcerpt).toBe(long.slice(0, 4096));
  });
});

describe("GET /v1/deliveries under load", () => {
  const limited = receiverForFile({ refusalLimit: { perSecond: 1, burst: 2 } });

  it("limits reads per user with 429 and Retry-After, so reads cannot crowd out the alerts' queries", async () => {
    const f = limited.f;
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 4; i++) {
      const res = await limited.r.app.request("/v1/deliveries", {
        headers: { authorization: `Bearer ${f.token}` },
      });
      statuses.push(res.status);
      if (res.status === 429) retryAfter = res.headers.get("retry-after");
    }
    expect(statuses.slice(0, 2)).toEqual([200, 200]);
    expect(statuses).toContain(429);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
  });
});

describe("the deliveries log turned off (DELIVERY_LOG_MAX_ENTRIES=0)", () => {
  const off = receiverForFile({ deliveryLog: { maxEntries: 0, maxAgeMs: 60_000 } });

  it("writes nothing for accepted or refused alerts, and the log reads empty", async () => {
    const { r, f } = off;
    const accepted = await r.app.request(`/v1/webhooks/${f.token}`, {
      method: "POST",
      body: JSON.stringify(buyAlert),
    });
    expect(accepted.status, await accepted.text()).toBe(202);
    const refused = await r.app.request(`/v1/webhooks/${f.token}`, { method: "POST", body: "{" });
    expect(refused.status).toBe(400);
    await r.redis.ping();
    expect(await r.redis.exists(deliveryStreamKey(r.prefix, f.userId, f.webhookId))).toBe(0);
    const res = await r.app.request("/v1/deliveries", { headers: { authorization: `Bearer ${f.token}` } });
    const text = await res.text();
    expect(res.status, text).toBe(200);
    expect(JSON.parse(text).deliveries, text).toEqual([]);
  });
});
