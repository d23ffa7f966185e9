import { findWebhookByToken } from "@orderhook/admin";
import { hashToken, webhooks } from "@orderhook/db";
import {
  createRedis,
  parseWebhookEvent,
  type ReceivedWebhookEvent,
  subscribeToWebhookEventsChannel,
} from "@orderhook/queue";
import { testRedisUrl, waitUntil } from "@orderhook/testing";
import { eq } from "drizzle-orm";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestConsole, type TestConsole } from "../test/console-harness";

let t: TestConsole;
let subscriber: Redis;
const received: ReceivedWebhookEvent[] = [];

beforeAll(async () => {
  t = await createTestConsole();
  // Listens on the console's channel as every receiver replica does.
  subscriber = createRedis(testRedisUrl());
  await subscribeToWebhookEventsChannel(subscriber, t.prefix);
  subscriber.on("message", (_channel, message: string) => {
    const event = parseWebhookEvent(message);
    if (event) received.push(event);
  });
});
afterAll(async () => {
  subscriber.disconnect();
  await t.close();
});

function newUrlOf(html: string): string {
  const match =
    /id="new-url"[^>]*value="([^"]+)"/.exec(html) ?? /value="([^"]+)"[^>]*id="new-url"/.exec(html);
  if (!match) throw new Error(`no new URL on the page:\n${html}`);
  return match[1]!;
}

describe("the webhooks page", () => {
  it("lists the user's webhooks with their URL masked after the token's prefix, never the token", async () => {
    const owner = await t.fixture({ defaultQuantity: "0.5", maxLagSeconds: 30 });
    const sibling = await t.sibling(owner);
    const browser = t.browser();
    await browser.signIn(owner.token);
    const page = await browser.get("/webhooks");
    expect(page.status, page.text).toBe(200);
    for (const hook of [owner, sibling]) {
      expect(page.text).toContain(hook.webhookId);
      expect(page.text).toContain(`https://hooks.example.test/v1/webhooks/${hook.token.slice(0, 9)}…`);
      expect(page.text).not.toContain(hook.token.slice(0, 12));
    }
    expect(page.text).toContain("default quantity 0.5, max lag 30 s");
  });
});

describe("rotating a webhook", () => {
  it("asks first, then issues a new URL shown once, tells the receivers exactly as the CLI does, and keeps the user signed in", async () => {
    const owner = await t.fixture();
    const browser = t.browser();
    await browser.signIn(owner.token);
    const confirm = await browser.get(`/webhooks/${owner.webhookId}/rotate`);
    expect(confirm.status, confirm.text).toBe(200);
    expect(confirm.text).toContain("Rotate the token of");
    expect(confirm.text).toContain("you stay signed in");
    expect(
      await findWebhookByToken(t.db.db, owner.token),
      "the confirmation page changes nothing",
    ).toMatchObject({ active: true });

    const done = await browser.post(`/webhooks/${owner.webhookId}/rotate`, { _csrf: confirm.csrf });
    expect(done.status, done.text).toBe(200);
    const url = newUrlOf(done.text);
    expect(url).toMatch(/^https:\/\/hooks\.example\.test\/v1\/webhooks\/oh_[A-Za-z0-9_-]{43}$/);
    const token = url.slice(url.lastIndexOf("/") + 1);
    expect(done.text).toContain("Shown only now");
    expect(await findWebhookByToken(t.db.db, owner.token), "the old token is gone").toBeNull();
    expect(await findWebhookByToken(t.db.db, token)).toMatchObject({
      webhookId: owner.webhookId,
      active: true,
    });

    const event = await waitUntil(
      async () => received.find((e) => e.webhookId === owner.webhookId && e.type === "rotated"),
      () => JSON.stringify(received),
      5_000,
    );
    expect(event).toMatchObject({ type: "rotated", userId: owner.userId, tokenHash: hashToken(owner.token) });
    expect(done.text).toContain("Receivers were told at once (1 listening)");

    // The URL is shown once: the webhooks page has only its prefix.
    const list = await browser.get("/webhooks");
    expect(list.status, "still signed in after rotating the sign-in webhook").toBe(200);
    expect(list.text).not.toContain(token);
    expect(list.text).toContain(`${token.slice(0, 9)}…`);
  });

  it("ends the sessions of anyone else signed in with the old token", async () => {
    const owner = await t.fixture();
    const sibling = await t.sibling(owner);
    const me = t.browser();
    const intruder = t.browser();
    await me.signIn(sibling.token);
    await intruder.signIn(owner.token);
    await me.submit(`/webhooks/${owner.webhookId}/rotate`, `/webhooks/${owner.webhookId}/rotate`);
    expect((await intruder.get("/webhooks")).location).toBe("/sign-in?notice=session-ended");
    expect((await me.get("/webhooks")).status).toBe(200);
  });

  it("warns, and still rotates, when Redis cannot be reached to tell the receivers", async () => {
    const offline = await createTestConsole({
      broadcast: async () => ({ delivered: false, error: "Redis at 127.0.0.1:1 is unreachable" }),
    });
    try {
      const owner = await offline.fixture();
      const browser = offline.browser();
      await browser.signIn(owner.token);
      const done = await browser.submit(
        `/webhooks/${owner.webhookId}/rotate`,
        `/webhooks/${owner.webhookId}/rotate`,
      );
      expect(done.status, done.text).toBe(200);
      expect(done.text).toContain(
        "receivers could not be told at once (Redis at 127.0.0.1:1 is unreachable)",
      );
      expect(await findWebhookByToken(offline.db.db, owner.token)).toBeNull();
    } finally {
      await offline.close();
    }
  });
});

describe("revoking a webhook", () => {
  it("asks first, revokes for good, tells the receivers, and signs out a user who signed in with it", async () => {
    const owner = await t.fixture();
    const browser = t.browser();
    await browser.signIn(owner.token);
    const confirm = await browser.get(`/webhooks/${owner.webhookId}/revoke`);
    expect(confirm.text).toContain("revoking it signs you out");
    const done = await browser.post(`/webhooks/${owner.webhookId}/revoke`, { _csrf: confirm.csrf });
    expect(done.status, done.text).toBe(200);
    expect(done.text).toContain("is revoked");
    expect(done.text).toContain("you are signed out");
    const [row] = await t.db.db.select().from(webhooks).where(eq(webhooks.id, owner.webhookId));
    expect(row?.active).toBe(false);
    expect(row?.revokedAt).toBeInstanceOf(Date);
    const event = await waitUntil(
      async () => received.find((e) => e.webhookId === owner.webhookId && e.type === "revoked"),
      () => JSON.stringify(received),
      5_000,
    );
    expect(event).toMatchObject({ userId: owner.userId, tokenHash: hashToken(owner.token) });
    expect(browser.cookies.size).toBe(0);
    expect((await browser.get("/webhooks")).location).toBe("/sign-in");
  });

  it("keeps a user signed in who revokes another of their webhooks, which then offers no actions", async () => {
    const owner = await t.fixture();
    const sibling = await t.sibling(owner);
    const browser = t.browser();
    await browser.signIn(owner.token);
    const done = await browser.submit(
      `/webhooks/${sibling.webhookId}/revoke`,
      `/webhooks/${sibling.webhookId}/revoke`,
    );
    expect(done.status, done.text).toBe(200);
    const list = await browser.get("/webhooks");
    expect(list.status).toBe(200);
    expect(list.text).not.toContain(`/webhooks/${sibling.webhookId}/rotate`);
    expect((await browser.get(`/webhooks/${sibling.webhookId}/rotate`)).status).toBe(409);
    const again = await browser.get(`/webhooks/${sibling.webhookId}/revoke`);
    expect(again.status, again.text).toBe(409);
  });
});
