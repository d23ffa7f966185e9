import { revokeWebhook, rotateWebhook } from "@orderhook/admin";
import type { Fixture } from "@orderhook/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestConsole, SESSION_SECRET, type TestConsole } from "../test/console-harness";

let t: TestConsole;
let f: Fixture;

beforeAll(async () => {
  t = await createTestConsole();
  f = await t.fixture();
});
afterAll(async () => {
  await t.close();
});

function setCookie(headers: Headers): string {
  return headers.getSetCookie().join("\n");
}

describe("sign-in with a webhook URL or token", () => {
  it("signs in with the webhook URL as pasted from TradingView and shows that user's webhooks", async () => {
    const browser = t.browser();
    const signed = await browser.signIn(`https://hooks.example.test/v1/webhooks/${f.token}`);
    expect(signed.status, signed.text).toBe(303);
    expect(signed.location).toBe("/webhooks");
    const page = await browser.get("/webhooks");
    expect(page.status, page.text).toBe(200);
    expect(page.text).toContain(f.email);
    expect(page.text).toContain(f.webhookId);
  });

  it("sets a signed, HttpOnly, SameSite=Strict session cookie that holds the user id and an expiry, never the token", async () => {
    const browser = t.browser();
    const signed = await browser.signIn(f.token);
    const cookie = setCookie(signed.headers);
    expect(cookie, cookie).toMatch(/^orderhook_session=/);
    expect(cookie).toMatch(/; HttpOnly/i);
    expect(cookie).toMatch(/; SameSite=Strict/i);
    expect(cookie).toMatch(/; Path=\//i);
    expect(cookie).toMatch(/; Max-Age=3600/i);
    expect(cookie, "not Secure over plain http").not.toMatch(/; Secure/i);
    const value = decodeURIComponent(browser.cookies.get("orderhook_session") ?? "");
    const [payload, signature] = value.split(".");
    expect(signature, "hono's HMAC signature").toMatch(/^[A-Za-z0-9+/]{43}=$/);
    const session = JSON.parse(Buffer.from(payload!, "base64url").toString("utf8"));
    expect(session).toMatchObject({ kind: "user", userId: f.userId, webhookId: f.webhookId });
    expect(session.expiresAt).toBeGreaterThan(Date.now() / 1000);
    expect(value).not.toContain(f.token);
    expect(value).not.toContain(f.token.slice(3, 20));
    expect(value, "not the secret either").not.toContain(SESSION_SECRET);
  });

  it("marks the cookie Secure and __Host- prefixed when the console is served over https", async () => {
    const secure = await createTestConsole({ secure: true });
    try {
      const signed = await secure.browser().signIn(f.token);
      const cookie = setCookie(signed.headers);
      expect(cookie, cookie).toMatch(/^__Host-orderhook_session=/);
      expect(cookie).toMatch(/; Secure/i);
      expect(cookie).toMatch(/; HttpOnly/i);
      expect(cookie).toMatch(/; SameSite=Strict/i);
    } finally {
      await secure.close();
    }
  });

  it("refuses an unknown token with 401, a malformed one with 400, and sets no cookie", async () => {
    const browser = t.browser();
    const unknown = await browser.signIn(`oh_${"A".repeat(43)}`);
    expect(unknown.status, unknown.text).toBe(401);
    expect(unknown.text).toContain("No active webhook has this URL or token");
    const malformed = await browser.signIn("https://hooks.example.test/v1/webhooks/hunter2");
    expect(malformed.status, malformed.text).toBe(400);
    expect(malformed.text).toContain("not an orderhook webhook URL or token");
    expect(browser.cookies.size).toBe(0);
    expect(setCookie(unknown.headers) + setCookie(malformed.headers)).toBe("");
  });

  it("refuses a revoked webhook's token", async () => {
    const revoked = await t.fixture();
    await revokeWebhook(t.db.db, revoked.webhookId);
    const page = await t.browser().signIn(revoked.token);
    expect(page.status, page.text).toBe(401);
  });

  it("ends every session a token opened when its webhook is rotated or revoked elsewhere (the CLI)", async () => {
    const owner = await t.fixture();
    const browser = t.browser();
    await browser.signIn(owner.token);
    expect((await browser.get("/webhooks")).status).toBe(200);
    await rotateWebhook(t.db.db, owner.webhookId);
    const after = await browser.get("/webhooks");
    expect(after.status, after.text).toBe(303);
    expect(after.location).toBe("/sign-in?notice=session-ended");
    expect(browser.cookies.size, "the dead cookie is cleared").toBe(0);

    const other = await t.fixture();
    const second = t.browser();
    await second.signIn(other.token);
    await revokeWebhook(t.db.db, other.webhookId);
    expect((await second.get("/orders")).location).toBe("/sign-in?notice=session-ended");
  });

  it("treats a tampered cookie as no session", async () => {
    const browser = t.browser();
    await browser.signIn(f.token);
    const [payload, signature] = decodeURIComponent(browser.cookies.get("orderhook_session")!).split(".");
    const session = JSON.parse(Buffer.from(payload!, "base64url").toString("utf8"));
    const forged = Buffer.from(
      JSON.stringify({ ...session, userId: "00000000-0000-4000-8000-000000000000" }),
    ).toString("base64url");
    browser.cookies.set("orderhook_session", encodeURIComponent(`${forged}.${signature}`));
    const page = await browser.get("/webhooks");
    expect(page.status, page.text).toBe(303);
    expect(page.location).toBe("/sign-in?notice=session-ended");
  });

  it("signs out with a POST carrying the session's CSRF token", async () => {
    const browser = t.browser();
    await browser.signIn(f.token);
    const out = await browser.submit("/webhooks", "/sign-out");
    expect(out.status, out.text).toBe(303);
    expect(out.location).toBe("/sign-in?notice=signed-out");
    expect(browser.cookies.size).toBe(0);
    expect((await browser.get("/webhooks")).location).toBe("/sign-in");
  });
});

describe("sign-in throttling", () => {
  it("answers 429 with Retry-After past the limit per client address, and then does not even check the token", async () => {
    const limited = await createTestConsole({ signInLimit: { perSecond: 1 / 60, burst: 3 } });
    try {
      const browser = limited.browser();
      for (let i = 0; i < 3; i++) {
        const attempt = await browser.signIn(`oh_${String(i).repeat(43)}`);
        expect(attempt.status, attempt.text).toBe(401);
      }
      const refused = await browser.signIn(f.token);
      expect(refused.status, refused.text).toBe(429);
      expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(refused.text).toContain("Too many sign-in attempts");
      expect(browser.cookies.size, "a right token past the limit does not sign in").toBe(0);
      // The operator form counts against the same address.
      const operator = await browser.post("/sign-in/operator", { password: "anything" });
      expect(operator.status, operator.text).toBe(429);
    } finally {
      await limited.close();
    }
  });

  it("counts X-Forwarded-For clients apart only when TRUST_PROXY trusts the proxy", async () => {
    const attempt = async (target: TestConsole, address: string) =>
      (await target.browser().post("/sign-in", { token: "nope" }, { "x-forwarded-for": address })).status;
    const untrusted = await createTestConsole({ signInLimit: { perSecond: 1 / 60, burst: 1 } });
    const trusted = await createTestConsole({
      signInLimit: { perSecond: 1 / 60, burst: 1 },
      trustedProxyHops: 1,
    });
    try {
      expect(await attempt(untrusted, "203.0.113.1")).toBe(400);
      // A client writing its own X-Forwarded-For does not get a fresh allowance.
      expect(await attempt(untrusted, "203.0.113.2")).toBe(429);
      expect(await attempt(trusted, "203.0.113.1")).toBe(400);
      expect(await attempt(trusted, "203.0.113.1")).toBe(429);
      expect(await attempt(trusted, "6.6.6.6, 203.0.113.2")).toBe(400);
    } finally {
      await untrusted.close();
      await trusted.close();
    }
  });
});
