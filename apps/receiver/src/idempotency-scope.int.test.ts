import { createHash } from "node:crypto";
import { orderJobSchema } from "@orderhook/queue";
import type { Fixture } from "@orderhook/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buyAlert, createTestReceiver, type TestReceiver } from "../test/receiver-harness";

// Idempotency is scoped to what a request means: the webhook it came through and the account
// it resolves to are part of it, so one body fanned out to several accounts is several orders.

let r: TestReceiver;
let first: Fixture;
/** Same user, another broker account: the usual one-alert-per-account set-up. */
let otherAccount: Fixture;
/** Same user and account, another webhook. */
let sameAccount: Fixture;

beforeAll(async () => {
  r = await createTestReceiver();
  first = await r.fixture();
  otherAccount = await r.sibling(first);
  sameAccount = await r.sibling(first, { sameAccount: true });
});
afterAll(async () => {
  await r.close();
});

interface Answer {
  status: number;
  text: string;
  body: Record<string, unknown>;
  replayed: string | null;
}

async function post(token: string, body: string, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await r.app.request(`/v1/webhooks/${token}`, {
    method: "POST",
    body,
    headers: { "content-type": "text/plain", ...headers },
  });
  const text = await res.text();
  return {
    status: res.status,
    text,
    body: JSON.parse(text),
    replayed: res.headers.get("idempotent-replayed"),
  };
}

const unique = (label: string) => `${label}-${Math.random().toString(36).slice(2)}`;

async function jobAccount(answer: Answer): Promise<string | undefined> {
  const job = await r.queue.getJob(String(answer.body.orderId));
  return job === undefined ? undefined : orderJobSchema.parse(job.data).accountId;
}

describe("idempotency scoped to the webhook and the account", () => {
  it("queues the same keyless body sent to two webhooks on two accounts at the same moment as two orders", async () => {
    const body = JSON.stringify({ ...buyAlert, comment: unique("fan-out") });
    const [a, b] = await Promise.all([post(first.token, body), post(otherAccount.token, body)]);
    expect([a.status, b.status], a.text + b.text).toEqual([202, 202]);
    expect(a.body.orderId, a.text + b.text).not.toBe(b.body.orderId);
    expect(await jobAccount(a), a.text).toBe(first.accountId);
    expect(await jobAccount(b), b.text).toBe(otherAccount.accountId);
  });

  it("queues the same keyless body sent to two webhooks of one account as two orders: deduplication is per webhook", async () => {
    const body = JSON.stringify({ ...buyAlert, comment: unique("two-hooks") });
    const [a, b] = await Promise.all([post(first.token, body), post(sameAccount.token, body)]);
    expect([a.status, b.status], a.text + b.text).toEqual([202, 202]);
    expect(a.body.orderId, a.text + b.text).not.toBe(b.body.orderId);
  });

  it("still deduplicates the same keyless body twice on one webhook at the same moment", async () => {
    const body = JSON.stringify({ ...buyAlert, comment: unique("one-hook") });
    const [a, b] = await Promise.all([post(first.token, body), post(first.token, body)]);
    expect([a.status, b.status].sort(), a.text + b.text).toEqual([200, 202]);
    expect(a.body.orderId, a.text + b.text).toBe(b.body.orderId);
  });

  it("refuses one explicit key sent to two accounts at the same moment: one 202, one 422 idempotency_key_reused", async () => {
    const body = JSON.stringify({ ...buyAlert, comment: unique("keyed-fan-out") });
    const headers = { "idempotency-key": unique("key") };
    const answers = await Promise.all([
      post(first.token, body, headers),
      post(otherAccount.token, body, headers),
    ]);
    const texts = answers.map((a) => a.text).join(" ");
    expect(answers.map((a) => a.status).sort(), texts).toEqual([202, 422]);
    const refused = answers.find((a) => a.status === 422)!;
    expect(refused.body.code, refused.text).toBe("idempotency_key_reused");
  });

  it("refuses an explicit key reused for another account named in the body, on the same webhook", async () => {
    const key = unique("key");
    const base = { ...buyAlert, comment: unique("named"), idempotencyKey: key };
    const a = await post(first.token, JSON.stringify(base));
    expect(a.status, a.text).toBe(202);
    const b = await post(first.token, JSON.stringify({ ...base, account: otherAccount.accountId }));
    expect(b.status, b.text).toBe(422);
    expect(b.body.code, b.text).toBe("idempotency_key_reused");
    const again = await post(first.token, JSON.stringify(base));
    expect(again.status, again.text).toBe(200);
    expect(again.body.orderId, again.text).toBe(a.body.orderId);
  });

  it("refuses an explicit key reused through another webhook of the same account", async () => {
    const body = JSON.stringify({ ...buyAlert, comment: unique("hooks") });
    const headers = { "idempotency-key": unique("key") };
    expect((await post(first.token, body, headers)).status).toBe(202);
    const other = await post(sameAccount.token, body, headers);
    expect(other.status, other.text).toBe(422);
    expect(other.body.code, other.text).toBe("idempotency_key_reused");
  });

  it("replays a key an older receiver stored with a body-only fingerprint, as it did then", async () => {
    const key = unique("legacy");
    const body = JSON.stringify({ ...buyAlert, comment: key });
    const orderId = (await post(first.token, JSON.stringify({ ...buyAlert, comment: `${key}-real` }))).body
      .orderId as string;
    const legacyFingerprint = createHash("sha256").update(body).digest("base64");
    await r.redis.set(`${r.prefix}:idem:${first.userId}:k:${key}`, `Q|${orderId}|${legacyFingerprint}`);
    const replay = await post(first.token, body, { "idempotency-key": key });
    expect(replay.status, replay.text).toBe(200);
    expect(replay.body.orderId, replay.text).toBe(orderId);
    expect(replay.replayed, replay.text).toBe("true");
  });
});
