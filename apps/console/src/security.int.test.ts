import { brokerAccounts, orders, users, webhooks } from "@orderhook/db";
import { type Fixture, orderRow } from "@orderhook/testing";
import { eq } from "drizzle-orm";
import { v7 as uuidv7 } from "uuid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestConsole, type TestBrowser, type TestConsole } from "../test/console-harness";

let t: TestConsole;
let alice: Fixture;
let mallory: Fixture;
let aliceOrderId: string;
let browser: TestBrowser;

beforeAll(async () => {
  t = await createTestConsole();
  alice = await t.fixture();
  mallory = await t.fixture();
  aliceOrderId = uuidv7();
  await t.db.db.insert(orders).values(
    orderRow(alice, aliceOrderId, {
      quantity: "3",
      rawPayload: { ticker: "AAPL", action: "buy", quantity: 3 },
    }),
  );
  browser = t.browser();
  await browser.signIn(mallory.token);
});
afterAll(async () => {
  await t.close();
});

describe("headers", () => {
  it("sends a strict Content-Security-Policy: scripts and styles from the console's origin only, no inline, no framing", async () => {
    for (const path of ["/sign-in", "/webhooks", "/orders"]) {
      const page = await browser.get(path);
      const csp = page.headers.get("content-security-policy") ?? "";
      expect(csp, path).toContain("default-src 'self'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("style-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("form-action 'self'");
      expect(csp).toContain("base-uri 'none'");
      expect(csp).toContain("object-src 'none'");
      expect(csp).not.toContain("unsafe-inline");
      expect(csp).not.toContain("unsafe-eval");
      expect(page.headers.get("x-frame-options")).toBe("DENY");
      expect(page.headers.get("x-content-type-options")).toBe("nosniff");
      expect(page.headers.get("referrer-policy")).toBe("no-referrer");
      expect(page.headers.get("cache-control"), path).toBe("no-store");
    }
  });

  it("has no inline script or style in any page: the one script is a file of the console's own", async () => {
    const page = await browser.get("/webhooks");
    const scripts = [...page.text.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
    expect(scripts).toHaveLength(1);
    expect(scripts[0]).toMatch(/src="\/static\/console\.js\?v=[0-9a-f]{12}"/);
    expect(page.text).not.toMatch(/<script\b[^>]*>[^<]+<\/script>/);
    expect(page.text).not.toMatch(/\sstyle=/);
    expect(page.text).not.toMatch(/\son[a-z]+=/);
    const script = await browser.get(scripts[0]!.match(/src="([^"]+)"/)![1]!);
    expect(script.status).toBe(200);
    expect(script.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(script.headers.get("cache-control")).toContain("immutable");
  });
});

describe("CSRF", () => {
  it("refuses a form posted from another origin with 403, before acting", async () => {
    const target = await t.fixture();
    const victim = t.browser();
    await victim.signIn(target.token);
    const page = await victim.get(`/webhooks/${target.webhookId}/revoke`);
    const forged = await victim.post(
      `/webhooks/${target.webhookId}/revoke`,
      { _csrf: page.csrf },
      { origin: "https://evil.example", "sec-fetch-site": "cross-site" },
    );
    expect(forged.status, forged.text).toBe(403);
    expect(forged.text).toContain("cross-site request refused");
    const [row] = await t.db.db.select().from(webhooks).where(eq(webhooks.id, target.webhookId));
    expect(row?.active).toBe(true);
  });

  it("refuses a same-origin form without the session's CSRF token, or with another session's", async () => {
    const target = await t.fixture();
    const victim = t.browser();
    await victim.signIn(target.token);
    const missing = await victim.post(`/webhooks/${target.webhookId}/revoke`, {});
    expect(missing.status, missing.text).toBe(403);
    expect(missing.text).toContain("expired or was not sent from the console");
    const othersToken = (await browser.get("/webhooks")).csrf;
    const foreign = await victim.post(`/webhooks/${target.webhookId}/revoke`, { _csrf: othersToken });
    expect(foreign.status, foreign.text).toBe(403);
    const [row] = await t.db.db.select().from(webhooks).where(eq(webhooks.id, target.webhookId));
    expect(row?.active).toBe(true);
  });

  it("refuses a cross-origin sign-in (login CSRF)", async () => {
    const page = await t
      .browser()
      .post("/sign-in", { token: mallory.token }, { origin: "https://evil.example" });
    expect(page.status, page.text).toBe(403);
  });
});

describe("another user's things are not reachable by changing an id", () => {
  it("answers 404 for another user's order, exactly as for an order that does not exist", async () => {
    const theirs = await browser.get(`/orders/${aliceOrderId}`);
    const none = await browser.get(`/orders/${uuidv7()}`);
    const garbage = await browser.get("/orders/not-a-uuid");
    for (const page of [theirs, none, garbage]) {
      expect(page.status, page.text).toBe(404);
      expect(page.text).toContain("You have no order with this id.");
      expect(page.text).not.toContain("AAPL");
    }
    const list = await browser.get("/orders");
    expect(list.text).not.toContain(aliceOrderId);
    // An order id of someone else's as a page cursor gives nothing either.
    const cursor = await browser.get(`/orders?before=${aliceOrderId}`);
    expect(cursor.status, cursor.text).toBe(200);
    expect(cursor.text).not.toContain(aliceOrderId);
  });

  it("answers 404 for another user's webhook on every page and form, and changes nothing", async () => {
    const csrf = (await browser.get("/webhooks")).csrf;
    const id = alice.webhookId;
    for (const path of [
      `/webhooks/${id}/rotate`,
      `/webhooks/${id}/revoke`,
      `/webhooks/${id}/test`,
      `/deliveries?webhook=${id}`,
    ]) {
      const page = await browser.get(path);
      expect(page.status, `${path}: ${page.text}`).toBe(404);
    }
    for (const action of ["rotate", "revoke", "test"]) {
      const page = await browser.post(`/webhooks/${id}/${action}`, {
        _csrf: csrf,
        token: alice.token,
        body: "{}",
      });
      expect(page.status, `${action}: ${page.text}`).toBe(404);
    }
    const [row] = await t.db.db.select().from(webhooks).where(eq(webhooks.id, id));
    expect(row?.active).toBe(true);
    expect(row?.rotatedAt).toBeNull();
    expect((await browser.get("/webhooks")).text).not.toContain(id);
  });

  it("keeps operator pages hidden from users (404) and refuses their switch", async () => {
    const csrf = (await browser.get("/webhooks")).csrf;
    expect((await browser.get("/operator/users")).status).toBe(404);
    const switched = await browser.post("/operator/view-as", { _csrf: csrf, userId: alice.userId });
    expect(switched.status, switched.text).toBe(404);
    const page = await browser.get("/webhooks");
    expect(page.text).toContain(mallory.email);
    expect(page.text).not.toContain(alice.email);
  });
});

describe("output escaping", () => {
  it("shows names, tickers, reasons and payloads as text, never as markup", async () => {
    const evil = '<script>alert("x")</script><img src=x onerror=alert(1)>';
    const victim = await t.fixture();
    await t.db.db.update(users).set({ name: evil }).where(eq(users.id, victim.userId));
    await t.db.db.update(webhooks).set({ name: evil }).where(eq(webhooks.id, victim.webhookId));
    await t.db.db.update(brokerAccounts).set({ name: evil }).where(eq(brokerAccounts.id, victim.accountId));
    const orderId = uuidv7();
    await t.db.db.insert(orders).values({
      id: orderId,
      userId: victim.userId,
      accountId: victim.accountId,
      webhookId: victim.webhookId,
      ticker: evil,
      action: "buy",
      quantity: "1",
      orderType: "market",
      timeInForce: "day",
      comment: evil,
      rawPayload: { ticker: evil },
      status: "rejected",
      reason: evil,
      receivedAt: new Date(),
      processedAt: new Date(),
    });
    const viewer = t.browser();
    await viewer.signIn(victim.token);
    for (const path of ["/webhooks", "/orders", `/orders/${orderId}`, `/webhooks/${victim.webhookId}/test`]) {
      const page = await viewer.get(path);
      expect(page.status, page.text).toBe(200);
      expect(page.text, path).not.toContain("<script>alert");
      expect(page.text, path).not.toContain("<img src=x");
      expect(page.text, path).toContain("&lt;script&gt;alert(");
    }
  });
});
