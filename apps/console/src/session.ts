import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { Context } from "hono";
import { deleteCookie, getSignedCookie, setSignedCookie } from "hono/cookie";

/**
 * What the session cookie holds: who signed in, how, and until when — never a token or password.
 * A user session is bound to the webhook whose token signed it in, through a tag of that token's
 * hash: rotating or revoking the webhook ends every session it opened. An operator session is
 * bound to the operator password the same way.
 */
export type Session =
  | {
      kind: "user";
      userId: string;
      webhookId: string;
      /** Tag of the sign-in token's hash; the session ends when the webhook's token changes. */
      tokenTag: string;
      /** Random per session: the CSRF token is derived from it. */
      nonce: string;
      /** Unix seconds. */
      expiresAt: number;
    }
  | {
      kind: "operator";
      actingUserId: string | null;
      /** Tag of CONSOLE_ADMIN_PASSWORD; changing the password ends operator sessions. */
      passwordTag: string;
      nonce: string;
      expiresAt: number;
    };

export type NewSession =
  | Omit<Extract<Session, { kind: "user" }>, "nonce" | "expiresAt">
  | Omit<Extract<Session, { kind: "operator" }>, "nonce" | "expiresAt">;

export interface SessionOptions {
  /** CONSOLE_SESSION_SECRET: signs the cookie and derives the CSRF tokens. */
  secret: string;
  ttlSeconds: number;
  /** `Secure` and the `__Host-` prefix: the cookie travels over https only. */
  secure: boolean;
  /** Milliseconds since the epoch. */
  now?: () => number;
}

export interface Sessions {
  /** The cookie's name as the browser stores it. */
  readonly cookieName: string;
  read(c: Context): Promise<Session | null>;
  /** Sets a fresh session cookie (a new nonce, so a new CSRF token) and returns the session. */
  issue(c: Context, session: NewSession): Promise<Session>;
  /** Sets the cookie to `session` as it is (an operator switching users keeps their nonce). */
  update(c: Context, session: Session): Promise<void>;
  clear(c: Context): void;
  csrfToken(session: Session): string;
  /** Whether `token` is the session's CSRF token (constant time). */
  checkCsrfToken(session: Session, token: string): boolean;
}

const BASE_NAME = "orderhook_session";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TAG = /^[A-Za-z0-9_-]{16,64}$/;

/** A short, one-way tag of a credential's hash, for binding a session to it. */
export function credentialTag(kind: "token" | "password", value: string): string {
  return createHash("sha256").update(`orderhook-console:${kind}:${value}`).digest("base64url").slice(0, 22);
}

function parse(value: string, nowSeconds: number): Session | null {
  let data: unknown;
  try {
    data = JSON.parse(Buffer.from(value, "base64url").toString("utf8"));
  } catch {
    return null;
  }
  if (typeof data !== "object" || data === null) return null;
  const s = data as Record<string, unknown>;
  if (typeof s.expiresAt !== "number" || s.expiresAt <= nowSeconds) return null;
  if (typeof s.nonce !== "string" || !TAG.test(s.nonce)) return null;
  if (s.kind === "user") {
    if (typeof s.userId !== "string" || !UUID.test(s.userId)) return null;
    if (typeof s.webhookId !== "string" || !UUID.test(s.webhookId)) return null;
    if (typeof s.tokenTag !== "string" || !TAG.test(s.tokenTag)) return null;
    return {
      kind: "user",
      userId: s.userId,
      webhookId: s.webhookId,
      tokenTag: s.tokenTag,
      nonce: s.nonce,
      expiresAt: s.expiresAt,
    };
  }
  if (s.kind === "operator") {
    const acting = s.actingUserId;
    if (acting !== null && (typeof acting !== "string" || !UUID.test(acting))) return null;
    if (typeof s.passwordTag !== "string" || !TAG.test(s.passwordTag)) return null;
    return {
      kind: "operator",
      actingUserId: acting,
      passwordTag: s.passwordTag,
      nonce: s.nonce,
      expiresAt: s.expiresAt,
    };
  }
  return null;
}

/**
 * Signed session cookies (hono's `setSignedCookie`: HMAC-SHA256 with CONSOLE_SESSION_SECRET),
 * HttpOnly, SameSite=Strict, Path=/, with the session's expiry as Max-Age; `Secure` and
 * `__Host-`-prefixed when the console is served over https.
 */
export function createSessions(options: SessionOptions): Sessions {
  const { secret, ttlSeconds, secure, now = Date.now } = options;
  const prefix = secure ? ("host" as const) : undefined;
  const cookieName = secure ? `__Host-${BASE_NAME}` : BASE_NAME;
  const csrfKey = createHmac("sha256", secret).update("orderhook-console:csrf").digest();

  async function write(c: Context, session: Session): Promise<void> {
    const value = Buffer.from(JSON.stringify(session)).toString("base64url");
    await setSignedCookie(c, BASE_NAME, value, secret, {
      httpOnly: true,
      sameSite: "Strict",
      path: "/",
      secure,
      prefix,
      maxAge: Math.max(0, session.expiresAt - Math.floor(now() / 1000)),
    });
  }

  function csrfToken(session: Session): string {
    return createHmac("sha256", csrfKey).update(session.nonce).digest("base64url");
  }

  return {
    cookieName,
    async read(c) {
      const value = await getSignedCookie(c, secret, BASE_NAME, prefix);
      if (typeof value !== "string") return null;
      return parse(value, Math.floor(now() / 1000));
    },
    async issue(c, fresh) {
      const session = {
        ...fresh,
        nonce: randomBytes(16).toString("base64url"),
        expiresAt: Math.floor(now() / 1000) + ttlSeconds,
      } as Session;
      await write(c, session);
      return session;
    },
    update: write,
    clear(c) {
      deleteCookie(c, BASE_NAME, { path: "/", secure, prefix, httpOnly: true, sameSite: "Strict" });
    },
    csrfToken,
    checkCsrfToken(session, token) {
      const expected = Buffer.from(csrfToken(session));
      const given = Buffer.from(token);
      return given.length === expected.length && timingSafeEqual(given, expected);
    },
  };
}
