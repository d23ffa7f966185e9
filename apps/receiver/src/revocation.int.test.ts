import { brokerAccounts, webhooks } from "@orderhook/db";
import { publishWebhookEvent } from "@orderhook/queue";
import type { Fixture } from "@orderhook/testing";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buyAlert, createTestReceiver, type TestReceiver } from "../test/receiver-harness";

let r: TestReceiver;

beforeAll(async () => {
  // A long TTL: only the event can make the revocation visible within the test.
  r = await createTestReceiver({ subscribe: true, credentialTtlMs: 3_600_000 });
});
afterAll(async () => {
  await r.close();
});

async function send(token: string, comment: string): Promise<number> {
  const res = await r.app.request(`/v1/webhooks/${token}`, {
    method: "POST",
    body: JSON.stringify({ ...buyAlert, comment }),
  });
  return res.status;
}

/** Announces a change of `f`'s webhook, then sends until the answer is `expected` (or gives up); the last answer. */
async function answerAfterEvent(f: Fixture, type: "revoked" | "updated", expected: number): Promise<number> {
  await publishWebhookEvent(r.redis, r.prefix, {
    type,
    webhookId: f.webhookId,
    userId: f.userId,
    tokenHash: null,
  });
  let status = 0;
  for (let i = 0; i < 100 && status !== expected; i++) {
    status = await send(f.token, `after ${type} ${i}`);
    if (status !== expected) await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return status;
}

describe("revocation", () => {
  it("refuses a revoked token as soon as the credential event arrives, despite a long cache TTL", async () => {
    const f = await r.fixture();
    expect(await send(f.token, "cached")).toBe(202);
    await r.db.db
      .update(webhooks)
      .set({ active: false, revokedAt: new Date() })
      .where(eq(webhooks.id, f.webhookId));
    expect(await answerAfterEvent(f, "revoked", 401)).toBe(401);
  });

  it("picks up a disabled account on an updated event for the user", async () => {
    const f = await r.fixture();
    expect(await send(f.token, "before")).toBe(202);
    await r.db.db.update(brokerAccounts).set({ active: false }).where(eq(brokerAccounts.id, f.accountId));
    expect(await answerAfterEvent(f, "updated", 403)).toBe(403);
  });
});
