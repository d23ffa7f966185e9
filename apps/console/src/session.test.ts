import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { createSessions, credentialTag, type Session } from "./session";

const SECRET = "kT3+vX9qLm2/Rw8zNc5Yb1Hd6Jf0Ps4G-unit";
const USER = "0190f0a0-0000-7000-8000-000000000001";
const WEBHOOK = "0190f0a0-0000-7000-8000-000000000002";

/** Issues a session in one request and reads it back in another, as a browser would carry the cookie. */
async function roundTrip(options: { now?: () => number; readNow?: () => number; ttlSeconds?: number } = {}) {
  const issuing = createSessions({
    secret: SECRET,
    ttlSeconds: options.ttlSeconds ?? 60,
    secure: false,
    now: options.now,
  });
  const reading = createSessions({
    secret: SECRET,
    ttlSeconds: 60,
    secure: false,
    now: options.readNow ?? options.now,
  });
  const app = new Hono();
  let issued: Session | null = null;
  app.post("/", async (c) => {
    issued = await issuing.issue(c, {
      kind: "user",
      userId: USER,
      webhookId: WEBHOOK,
      tokenTag: credentialTag("token", "x"),
    });
    return c.text("ok");
  });
  app.get("/", async (c) => c.json(await reading.read(c)));
  const res = await app.request("/", { method: "POST" });
  const cookie = res.headers.getSetCookie()[0]!.split(";")[0]!;
  const read = async (value = cookie) => (await app.request("/", { headers: { cookie: value } })).json();
  return { issued: issued!, cookie, read, sessions: reading };
}

describe("createSessions", () => {
  it("reads back what it issued, with a fresh nonce and the expiry", async () => {
    const { issued, read } = await roundTrip({ now: () => 1_000_000_000_000 });
    expect(issued).toMatchObject({
      kind: "user",
      userId: USER,
      webhookId: WEBHOOK,
      expiresAt: 1_000_000_060,
    });
    expect(issued.nonce).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(await read()).toEqual(issued);
  });

  it("reads an expired session as none", async () => {
    const { read } = await roundTrip({ now: () => 1_000_000_000_000, readNow: () => 1_000_000_061_000 });
    expect(await read()).toBeNull();
  });

  it("reads a cookie signed with another secret as none", async () => {
    const { cookie } = await roundTrip();
    const other = createSessions({ secret: `${SECRET}-other`, ttlSeconds: 60, secure: false });
    const app = new Hono();
    app.get("/", async (c) => c.json(await other.read(c)));
    expect(await (await app.request("/", { headers: { cookie } })).json()).toBeNull();
  });

  it("gives each session its own CSRF token and accepts only that one", async () => {
    const a = await roundTrip();
    const b = await roundTrip();
    const token = a.sessions.csrfToken(a.issued);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a.sessions.checkCsrfToken(a.issued, token)).toBe(true);
    expect(a.sessions.checkCsrfToken(b.issued, token)).toBe(false);
    expect(a.sessions.checkCsrfToken(a.issued, "")).toBe(false);
    expect(a.sessions.checkCsrfToken(a.issued, `${token}x`)).toBe(false);
  });

  it("tags a credential one way, the same every time, differently per kind", () => {
    expect(credentialTag("token", "abc")).toBe(credentialTag("token", "abc"));
    expect(credentialTag("token", "abc")).not.toBe(credentialTag("password", "abc"));
    expect(credentialTag("token", "abc")).not.toContain("abc");
  });
});
