import { brokerAccounts, webhooks } from "@orderhook/db";
import { publishWebhookEvent } from "@orderhook/queue";
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

describe("revocation", () => {
  it("refuses a revoked token as soon as the credential event arrives, despite a long cache TTL", async () => {
    const f = await r.fixture();
    expect(await send(f.token, "cached")).toBe(202);
    await r.db.db
      .update(webhooks)
      .set({ active: false, revokedAt: new Date() })
      .where(eq(webhooks.id, f.webhookId));
    await publishWebhookEvent(r.redis, r.prefix, {
      type: "revoked",
      webhookId: f.webhookId,
      userId: f.userId,
      tokenHash: null,
    });
    let status = 0;
    for (let i = 0; i < 100 && status !== 401; i++) {
      status = await send(f.token, `after ${i}`);
      if (status !== 401) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(status).toBe(401);
  });

  it("picks up a disabled account on an updated event for the user", async () => {
    const f = await r.fixture();
    expect(await send(f.token, "before")).toBe(202);
    await r.db.db.update(brokerAccounts).set({ active: false }).where(eq(brokerAccounts.id, f.accountId));
    await publishWebhookEvent(r.redis, r.prefix, {
      type: "updated",
      webhookId: f.webhookId,
      userId: f.userId,
      tokenHash: null,
    });
    let status = 0;
    for (let i = 0; i < 100 && status !== 403; i++) {
      status = await send(f.token, `later ${i}`);
      if (status !== 403) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(status).toBe(403);
  });
});
