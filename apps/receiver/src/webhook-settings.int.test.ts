import { users, webhooks } from "@orderhook/db";
import { orderJobSchema, publishWebhookEvent, readWebhookEventsVersion } from "@orderhook/queue";
import type { Fixture } from "@orderhook/testing";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestReceiver, type TestReceiver } from "../test/receiver-harness";

// Per-webhook alert settings (default quantity, dedup window, max lag) and the user's burst, as
// the receiver applies them from its cached credentials. The whole path with a worker, set by the
// CLI, is in packages/reliability/src/webhook-settings.int.test.ts.

let r: TestReceiver;

beforeAll(async () => {
  // Subscribed, with a cache that never expires in a test: only events change what it believes.
  r = await createTestReceiver({ defaultRatePerSecond: 10, subscribe: true, credentialTtlMs: 3_600_000 });
});
afterAll(async () => {
  await r.close();
});

async function post(token: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await r.app.request(`/v1/webhooks/${token}`, {
    method: "POST",
    body: typeof body === "string" ? body : JSON.stringify(body),
    headers: { "content-type": "text/plain", ...headers },
  });
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text);
  } catch {}
  return { status: res.status, json, text, headers: res.headers };
}

async function jobOf(orderId: unknown) {
  const job = await r.queue.getJob(String(orderId));
  expect(job, `job ${String(orderId)}`).toBeDefined();
  return orderJobSchema.parse(job!.data);
}

const unique = () => Math.random().toString(36).slice(2);
const secondsAgo = (s: number) => new Date(Date.now() - s * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");

describe("default quantity", () => {
  it("fills in the webhook's default for a TradersPost-style buy without a quantity, keeping the raw body as sent", async () => {
    const f = await r.fixture({ defaultQuantity: "0.5" });
    const body = { ticker: "SQ", action: "buy", price: "72.15", comment: unique() };
    const answer = await post(f.token, body);
    expect(answer.status, answer.text).toBe(202);
    const job = await jobOf(answer.json.orderId);
    expect(job.alert).toMatchObject({ ticker: "SQ", action: "buy", quantity: "0.5", signalPrice: "72.15" });
    expect(job.raw, answer.text).toEqual(body);

    const exit = await post(f.token, { ticker: "SQ", action: "exit", comment: unique() });
    expect(exit.status, exit.text).toBe(202);
    expect((await jobOf(exit.json.orderId)).alert.quantity, "exit closes the position").toBeNull();
    const own = await post(f.token, { ticker: "SQ", action: "sell", quantity: "3", comment: unique() });
    expect((await jobOf(own.json.orderId)).alert.quantity, own.text).toBe("3");
  });

  it("refuses a buy without a quantity on a webhook without a default with 422, saying how to set one", async () => {
    const f = await r.fixture();
    const answer = await post(f.token, { ticker: "SQ", action: "buy", price: "72.15" });
    expect(answer.status, answer.text).toBe(422);
    expect(answer.json, answer.text).toMatchObject({
      code: "invalid_order",
      errors: [
        {
          field: "quantity",
          message: expect.stringContaining("orderhook webhook update <id> --default-quantity <n>"),
        },
      ],
    });
  });
});

describe("dedup window per webhook", () => {
  it("makes two identical keyless alerts one order by default, and two orders with a window of 0", async () => {
    const byDefault = await r.fixture();
    const off = await r.fixture({ dedupWindowMs: 0 });
    const body = JSON.stringify({ ticker: "NQ1!", action: "buy", quantity: "1", comment: unique() });

    const [first, second] = await Promise.all([post(byDefault.token, body), post(byDefault.token, body)]);
    expect([first.status, second.status].sort(), first.text + second.text).toEqual([200, 202]);
    expect(second.json.orderId).toBe(first.json.orderId);

    const a = await post(off.token, body);
    const b = await post(off.token, body);
    expect([a.status, b.status], a.text + b.text).toEqual([202, 202]);
    expect(a.json.orderId).not.toBe(b.json.orderId);
    expect(
      await r.redis.keys(`${r.prefix}:idem:${off.userId}:*`),
      "no dedup key with the window off",
    ).toEqual([]);
  });

  it("still replays an explicit idempotency key on a webhook whose window is 0", async () => {
    const off = await r.fixture({ dedupWindowMs: 0 });
    const key = unique();
    const first = await post(
      off.token,
      { ticker: "ES", action: "buy", quantity: 1 },
      { "idempotency-key": key },
    );
    const again = await post(
      off.token,
      { ticker: "ES", action: "buy", quantity: 1 },
      { "idempotency-key": key },
    );
    expect([first.status, again.status], first.text + again.text).toEqual([202, 200]);
    expect(again.json.orderId).toBe(first.json.orderId);
  });

  it("keeps a body-hash key for the webhook's own window", async () => {
    const long = await r.fixture({ dedupWindowMs: 600_000 });
    const answer = await post(long.token, { ticker: "ES", action: "buy", quantity: 1, comment: unique() });
    expect(answer.status, answer.text).toBe(202);
    const [key] = await r.redis.keys(`${r.prefix}:idem:${long.userId}:h:*`);
    const ttl = await r.redis.pttl(key!);
    expect(ttl, `pttl ${ttl}`).toBeGreaterThan(1_000);
    expect(ttl, `pttl ${ttl}`).toBeLessThanOrEqual(600_000);
  });
});

describe("max lag per webhook", () => {
  it("refuses a time older than the webhook's max lag with 422 stale_signal, and lets a fresh one or one without a time through", async () => {
    const f = await r.fixture({ maxLagSeconds: 60 });
    const stale = await post(f.token, { ticker: "NQ1!", action: "exit", time: secondsAgo(120) });
    expect(stale.status, stale.text).toBe(422);
    expect(stale.json, stale.text).toMatchObject({
      code: "stale_signal",
      errors: [{ field: "time", message: "older than the webhook's max lag (60 s)" }],
    });
    const fresh = await post(f.token, {
      ticker: "NQ1!",
      action: "exit",
      time: secondsAgo(5),
      comment: unique(),
    });
    expect(fresh.status, fresh.text).toBe(202);
    const untimed = await post(f.token, { ticker: "NQ1!", action: "exit", comment: unique() });
    expect(untimed.status, untimed.text).toBe(202);
  });

  it("lets the alert's own maxLagSeconds win over the webhook's", async () => {
    const f = await r.fixture({ maxLagSeconds: 60 });
    const looser = await post(f.token, {
      ticker: "NQ1!",
      action: "exit",
      time: secondsAgo(120),
      maxLagSeconds: 300,
    });
    expect(looser.status, looser.text).toBe(202);
    const stricter = await post(f.token, {
      ticker: "NQ1!",
      action: "exit",
      time: secondsAgo(20),
      maxLagSeconds: 10,
    });
    expect(stricter.status, stricter.text).toBe(422);
    expect(stricter.json.errors, stricter.text).toEqual([
      { field: "time", message: "older than maxLagSeconds (10 s)" },
    ]);
  });
});

describe("the user's burst", () => {
  /** `count` distinct alerts at the same moment, as one strategy's bar close sends them. */
  function barClose(f: Fixture, count: number) {
    const bar = unique();
    return Promise.all(
      Array.from({ length: count }, (_, i) =>
        post(f.token, { ticker: `SYM${i}`, action: "buy", quantity: "1", comment: `${bar}-${i}` }),
      ),
    );
  }

  it("accepts a bar-close burst of 14 at 10/s with a burst of 14", async () => {
    const f = await r.fixture({ rateLimitPerSecond: 10, rateLimitBurst: 14 });
    const answers = await barClose(f, 14);
    expect(
      answers.map((a) => a.status),
      JSON.stringify(answers.map((a) => a.text)),
    ).toEqual(Array(14).fill(202));
  });

  it("keeps today's default: one second's worth at once, so part of the same burst is refused with 429", async () => {
    const f = await r.fixture({ rateLimitPerSecond: 10 });
    const answers = await barClose(f, 14);
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 202).length, statuses.join()).toBeGreaterThanOrEqual(10);
    expect(statuses.filter((s) => s === 429).length, statuses.join()).toBeGreaterThanOrEqual(1);
    const limited = answers.find((a) => a.status === 429)!;
    expect(limited.json.detail, limited.text).toMatch(
      /^More than 10 alerts per second \(10 at once\); retry in \d+ s\.$/,
    );
  });
});

/** Publishes an `updated` event for the webhook, as `orderhook webhook update` does, and waits until the receiver applied it. */
async function announceUpdate(f: Fixture): Promise<void> {
  await publishWebhookEvent(r.redis, r.prefix, {
    type: "updated",
    webhookId: f.webhookId,
    userId: f.userId,
    tokenHash: null,
  });
  const version = await readWebhookEventsVersion(r.redis, r.prefix);
  await expect.poll(() => r.sync!.version, { timeout: 5_000 }).toBeGreaterThanOrEqual(version);
  await r.sync!.settled();
}

describe("settings changed while the receiver runs", () => {
  it("applies a webhook's new settings as soon as its updated event arrives, without waiting for the cache", async () => {
    const f = await r.fixture();
    const traderspost = { ticker: "SQ", action: "buy", price: "72.15" };
    expect((await post(f.token, { ...traderspost, comment: unique() })).status).toBe(422);

    await r.db.db.update(webhooks).set({ defaultQuantity: "7" }).where(eq(webhooks.id, f.webhookId));
    await announceUpdate(f);
    const after = await post(f.token, { ...traderspost, comment: unique() });
    expect(after.status, after.text).toBe(202);
    expect((await jobOf(after.json.orderId)).alert.quantity).toBe("7");
  });

  it("applies a user's new burst once the updated events of their webhooks arrive", async () => {
    const f = await r.fixture({ rateLimitPerSecond: 1 });
    const send = () => post(f.token, { ticker: "ES", action: "buy", quantity: 1, comment: unique() });
    expect((await send()).status).toBe(202);
    expect((await send()).status).toBe(429);

    await r.db.db.update(users).set({ rateLimitBurst: 5 }).where(eq(users.id, f.userId));
    await announceUpdate(f);
    // Up to four more fit in a burst of five at once (the first still counts within its second).
    const answers = await Promise.all([send(), send(), send()]);
    expect(
      answers.map((a) => a.status),
      answers.map((a) => a.text).join(),
    ).toEqual([202, 202, 202]);
  });
});
