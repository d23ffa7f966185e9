import { hashToken, webhooks } from "@orderhook/db";
import { publishWebhookEvent, webhookEventsVersionKey } from "@orderhook/queue";
import { createFixture, FaultProxy, type Fixture, testRedisUrl } from "@orderhook/testing";
import { eq } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { buyAlert, createTestReceiver, type TestReceiver } from "../test/receiver-harness";

// The receiver accepts only tokens in its in-memory active set and serves credentials from
// memory; these tests change webhooks behind its back and check what it believes, and when.

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const thing of open.splice(0).reverse()) await thing.close();
});

async function receiver(options: Parameters<typeof createTestReceiver>[0] = {}): Promise<TestReceiver> {
  // A long cache TTL: only events, the change counter and reloads can change what it believes.
  const r = await createTestReceiver({ subscribe: true, credentialTtlMs: 3_600_000, ...options });
  open.push(r);
  return r;
}

async function send(r: TestReceiver, token: string, comment: string) {
  const res = await r.app.request(`/v1/webhooks/${token}`, {
    method: "POST",
    body: JSON.stringify({ ...buyAlert, comment }),
  });
  const text = await res.text();
  return { status: res.status, text };
}

/** Polls until the token gets `status` (bounded), returning the last answer. */
async function until(r: TestReceiver, token: string, status: number) {
  let last = { status: 0, text: "" };
  for (let i = 0; i < 150; i++) {
    last = await send(r, token, `poll-${i}`);
    if (last.status === status) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return last;
}

/** Straight into Postgres, as the console or a script would: the receiver is not told. */
async function revokeInPostgres(r: TestReceiver, f: Fixture): Promise<void> {
  await r.db.db
    .update(webhooks)
    .set({ active: false, revokedAt: new Date() })
    .where(eq(webhooks.id, f.webhookId));
}

describe("credential sync", () => {
  it("refuses a token it has never seen with 401 without asking Postgres, and accepts a webhook once its created event arrives", async () => {
    const r = await receiver();
    const f = await createFixture(r.db.db);
    const before = await send(r, f.token, "before");
    expect(before.status, before.text).toBe(401);
    expect(r.credentials.size, "an unknown token was loaded").toBe(0);

    await publishWebhookEvent(r.redis, r.prefix, {
      type: "created",
      webhookId: f.webhookId,
      userId: f.userId,
      tokenHash: null,
    });
    const after = await until(r, f.token, 202);
    expect(after.status, after.text).toBe(202);
  });

  it("picks up a webhook created without an event at the next reconciliation", async () => {
    const r = await receiver({ reconcileIntervalMs: 200 });
    const f = await createFixture(r.db.db);
    const answer = await until(r, f.token, 202);
    expect(answer.status, answer.text).toBe(202);
  });

  it("drops a rotated-away token and accepts the new one from the rotated event alone", async () => {
    const r = await receiver();
    const f = await r.fixture();
    expect((await send(r, f.token, "old")).status).toBe(202);
    const fresh = await createFixture(r.db.db);
    // Move the fresh token onto f's webhook: what `webhook rotate` does in one UPDATE.
    await r.db.db.delete(webhooks).where(eq(webhooks.id, fresh.webhookId));
    await r.db.db
      .update(webhooks)
      .set({ tokenHash: hashToken(fresh.token), rotatedAt: new Date() })
      .where(eq(webhooks.id, f.webhookId));
    await publishWebhookEvent(r.redis, r.prefix, {
      type: "rotated",
      webhookId: f.webhookId,
      userId: f.userId,
      tokenHash: hashToken(f.token),
    });
    expect((await until(r, fresh.token, 202)).status).toBe(202);
    const old = await send(r, f.token, "old again");
    expect(old.status, old.text).toBe(401);
    expect(r.activeTokens.has(hashToken(f.token))).toBe(false);
  });

  it("notices an event it never received from the change counter, and reloads instead of trusting its cache", async () => {
    const r = await receiver({ versionCheckIntervalMs: 50 });
    const f = await r.fixture();
    expect((await send(r, f.token, "cached")).status).toBe(202);
    await revokeInPostgres(r, f);
    // A change counted but whose message this replica never got (as if published while it was away).
    await r.redis.incr(webhookEventsVersionKey(r.prefix));
    const answer = await until(r, f.token, 401);
    expect(answer.status, answer.text).toBe(401);
  });

  it("refuses a token revoked while its subscriber was disconnected, from the first request after the reconnect", async () => {
    const proxy = await FaultProxy.start({ target: hostPort(testRedisUrl()) });
    open.push(proxy);
    const r = await receiver({ subscriberRedisUrl: proxy.url(testRedisUrl()) });
    const revoked = await r.fixture();
    const kept = await r.fixture();
    expect((await send(r, revoked.token, "cached")).status).toBe(202);
    expect((await send(r, kept.token, "cached")).status).toBe(202);

    await proxy.down("refuse");
    await waitFor(() => r.credentials.suspended);
    await revokeInPostgres(r, revoked);
    const receivers = await publishWebhookEvent(r.redis, r.prefix, {
      type: "revoked",
      webhookId: revoked.webhookId,
      userId: revoked.userId,
      tokenHash: hashToken(revoked.token),
    });
    expect(receivers, "the disconnected subscriber still got the event").toBe(0);
    // Meanwhile the cache trusts nothing from before the disconnection: Postgres decides.
    const during = await send(r, revoked.token, "during");
    expect(during.status, during.text).toBe(401);
    expect((await send(r, kept.token, "during")).status).toBe(202);

    await proxy.up();
    await waitFor(() => proxy.connectionCount > 0);
    // Whether or not the resynchronisation has finished, the first answer is already 401.
    const first = await send(r, revoked.token, "after");
    expect(first.status, first.text).toBe(401);
    await waitFor(() => !r.credentials.suspended);
    await r.sync!.settled();
    expect(r.activeTokens.has(hashToken(revoked.token)), "the revoked hash survived the resync").toBe(false);
    expect((await send(r, kept.token, "after")).status).toBe(202);
  });
});

function hostPort(url: string): { host: string; port: number } {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port || 6379) };
}

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
