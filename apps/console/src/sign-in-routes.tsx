import { createHash, timingSafeEqual } from "node:crypto";
import { findWebhookByToken } from "@orderhook/admin";
import { type Database, hashToken, isWellFormedToken } from "@orderhook/db";
import type { ClientAddress, KeyedRateLimiter } from "@orderhook/http";
import type { Context, Hono } from "hono";
import type { ConsoleAppEnv } from "./app-env";
import { formField } from "./guards";
import { SignInPage, type SignInPageProps } from "./pages/sign-in-page";
import { parseTokenInput } from "./parse-token-input";
import { render } from "./render";
import { credentialTag, type Sessions } from "./session";

export interface SignInDeps {
  db: Database;
  sessions: Sessions;
  /** Null: operator sign-in is off. */
  operatorPassword: string | null;
  /** Sign-in attempts, token or password, per client address. */
  attempts: KeyedRateLimiter;
  clientAddress: ClientAddress;
}

function digest(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}

/** Sign-in with a webhook URL or token, or the operator password; sign-out. */
export function mountSignIn(app: Hono<ConsoleAppEnv>, deps: SignInDeps): void {
  const { db, sessions, operatorPassword, attempts, clientAddress } = deps;
  const operatorSignIn = operatorPassword !== null;
  const operatorDigest = operatorPassword === null ? null : digest(operatorPassword);
  const operatorTag = operatorPassword === null ? null : credentialTag("password", operatorPassword);

  const page = (
    c: Context<ConsoleAppEnv>,
    props: Omit<SignInPageProps, "operatorSignIn">,
    status: 200 | 400 | 401 | 429 = 200,
  ) => render(c, <SignInPage operatorSignIn={operatorSignIn} {...props} />, status);

  /** Counts the attempt; past the limit, answers 429 without looking at what was sent. */
  function throttled(c: Context<ConsoleAppEnv>, errorFor: "token" | "operator") {
    const waitMs = attempts.hit(clientAddress(c));
    if (waitMs === 0) return null;
    const seconds = Math.ceil(waitMs / 1000);
    c.header("retry-after", String(seconds));
    return page(
      c,
      { errorFor, error: `Too many sign-in attempts from your address. Try again in ${seconds} s.` },
      429,
    );
  }

  app.get("/sign-in", (c) => {
    if (c.get("viewer") !== null) return c.redirect("/", 303);
    const notice = c.req.query("notice");
    return page(c, {
      notice: notice === "signed-out" || notice === "session-ended" ? notice : undefined,
    });
  });

  app.post("/sign-in", async (c) => {
    const refused = throttled(c, "token");
    if (refused) return refused;
    const token = parseTokenInput(await formField(c, "token"));
    if (!isWellFormedToken(token)) {
      return page(
        c,
        {
          errorFor: "token",
          error:
            "That is not an orderhook webhook URL or token: paste the whole URL (…/v1/webhooks/oh_…) or the token (oh_ and 43 more characters).",
        },
        400,
      );
    }
    const owner = await findWebhookByToken(db, token);
    if (owner === null || !owner.active) {
      return page(
        c,
        {
          errorFor: "token",
          error:
            "No active webhook has this URL or token. A rotated webhook's previous URL and a revoked webhook's URL no longer sign in.",
        },
        401,
      );
    }
    await sessions.issue(c, {
      kind: "user",
      userId: owner.userId,
      webhookId: owner.webhookId,
      tokenTag: credentialTag("token", hashToken(token)),
    });
    return c.redirect("/webhooks", 303);
  });

  app.post("/sign-in/operator", async (c) => {
    if (operatorDigest === null || operatorTag === null) return c.notFound();
    const refused = throttled(c, "operator");
    if (refused) return refused;
    // Equal-length digests, compared in constant time: the answer's timing says nothing of the password.
    if (!timingSafeEqual(digest(await formField(c, "password")), operatorDigest)) {
      return page(c, { errorFor: "operator", error: "That is not the operator password." }, 401);
    }
    await sessions.issue(c, { kind: "operator", actingUserId: null, passwordTag: operatorTag });
    return c.redirect("/operator/users", 303);
  });

  app.post("/sign-out", (c) => {
    sessions.clear(c);
    return c.redirect("/sign-in?notice=signed-out", 303);
  });
}
