import {
  type BroadcastResult,
  getUserWebhook,
  getWebhookCredentials,
  listUserWebhooks,
  revokeWebhook,
  rotateWebhook,
  webhookUrl,
} from "@orderhook/admin";
import { type Database, hashToken, isWellFormedToken } from "@orderhook/db";
import { OrderhookError } from "@orderhook/errors";
import type { WebhookEvent } from "@orderhook/queue";
import type { Context, Hono } from "hono";
import type { ConsoleAppEnv } from "./app-env";
import { formField, requireUser } from "./guards";
import { RevokeConfirmPage, RevokedPage } from "./pages/revoke-page";
import { RotateConfirmPage, RotatedPage } from "./pages/rotate-page";
import { DEFAULT_TEST_ALERT, TestAlertPage } from "./pages/test-alert-page";
import { WebhooksPage } from "./pages/webhooks-page";
import { parseTokenInput } from "./parse-token-input";
import { render } from "./render";
import type { TestAlertSender } from "./send-test-alert";
import { credentialTag, type Sessions } from "./session";

export interface WebhookRoutesDeps {
  db: Database;
  sessions: Sessions;
  /** Tells every receiver about a rotation or revocation, as `orderhook webhook rotate|revoke` does. */
  broadcast: (event: WebhookEvent) => Promise<BroadcastResult>;
  sendTestAlert: TestAlertSender;
  /** The receiver's public base URL: what webhook URLs start with. */
  receiverPublicUrl: string;
  /** Where test alerts go. */
  receiverUrl: string;
}

/** The receiver refuses larger bodies (BODY_LIMIT_BYTES' default); the form says so before sending. */
const MAX_TEST_ALERT_BYTES = 65_536;

function notFound(): OrderhookError {
  return new OrderhookError("not_found", { detail: "You have no webhook with this id." });
}

/** The user's webhooks: list, rotate and revoke (each after a confirmation page), test alerts. */
export function mountWebhooks(app: Hono<ConsoleAppEnv>, deps: WebhookRoutesDeps): void {
  const { db, sessions } = deps;
  app.use("/webhooks", requireUser);
  app.use("/webhooks/*", requireUser);

  const common = (c: Context<ConsoleAppEnv>) => ({ viewer: c.get("viewer"), csrfToken: c.get("csrfToken") });

  async function ownWebhook(c: Context<ConsoleAppEnv>) {
    const webhook = await getUserWebhook(db, c.get("user").id, c.req.param("id") ?? "");
    if (webhook === null) throw notFound();
    return webhook;
  }

  function signedInWith(c: Context<ConsoleAppEnv>, webhookId: string): boolean {
    const viewer = c.get("viewer");
    return viewer?.kind === "user" && viewer.signInWebhookId === webhookId;
  }

  app.get("/webhooks", async (c) => {
    const webhooks = await listUserWebhooks(db, c.get("user").id);
    return render(
      c,
      <WebhooksPage {...common(c)} webhooks={webhooks} receiverBase={deps.receiverPublicUrl} />,
    );
  });

  app.get("/webhooks/:id/rotate", async (c) => {
    const webhook = await ownWebhook(c);
    if (!webhook.active)
      throw new OrderhookError("conflict", { detail: "A revoked webhook cannot be rotated." });
    return render(
      c,
      <RotateConfirmPage {...common(c)} webhook={webhook} isSignInWebhook={signedInWith(c, webhook.id)} />,
    );
  });

  app.post("/webhooks/:id/rotate", async (c) => {
    const webhook = await ownWebhook(c);
    const rotated = await rotateWebhook(db, webhook.id);
    const broadcast = await deps.broadcast({
      type: "rotated",
      webhookId: webhook.id,
      userId: rotated.webhook.userId,
      tokenHash: rotated.previousTokenHash,
    });
    const session = c.get("session");
    if (session?.kind === "user" && signedInWith(c, webhook.id)) {
      // The rotation ends every session the old token opened; this one carries on with the new token.
      await sessions.update(c, { ...session, tokenTag: credentialTag("token", rotated.webhook.tokenHash) });
    }
    const url = webhookUrl(rotated.token, { publicUrl: deps.receiverPublicUrl, port: 0 });
    return render(
      c,
      <RotatedPage
        {...common(c)}
        webhook={{ ...webhook, tokenPrefix: rotated.webhook.tokenPrefix }}
        url={url}
        token={rotated.token}
        broadcast={broadcast}
      />,
    );
  });

  app.get("/webhooks/:id/revoke", async (c) => {
    const webhook = await ownWebhook(c);
    if (!webhook.active) throw new OrderhookError("conflict", { detail: "This webhook is already revoked." });
    return render(
      c,
      <RevokeConfirmPage {...common(c)} webhook={webhook} isSignInWebhook={signedInWith(c, webhook.id)} />,
    );
  });

  app.post("/webhooks/:id/revoke", async (c) => {
    const webhook = await ownWebhook(c);
    const revoked = await revokeWebhook(db, webhook.id);
    const broadcast = await deps.broadcast({
      type: "revoked",
      webhookId: webhook.id,
      userId: revoked.webhook.userId,
      tokenHash: revoked.webhook.tokenHash,
    });
    const signedOut = signedInWith(c, webhook.id);
    if (signedOut) sessions.clear(c);
    return render(
      c,
      <RevokedPage {...common(c)} webhook={webhook} broadcast={broadcast} signedOut={signedOut} />,
    );
  });

  app.get("/webhooks/:id/test", async (c) => {
    const webhook = await ownWebhook(c);
    return render(
      c,
      <TestAlertPage
        {...common(c)}
        webhook={webhook}
        receiverUrl={deps.receiverUrl}
        body={DEFAULT_TEST_ALERT}
      />,
    );
  });

  app.post("/webhooks/:id/test", async (c) => {
    const webhook = await ownWebhook(c);
    const credentials = await getWebhookCredentials(db, c.get("user").id, webhook.id);
    if (credentials === null) throw notFound();
    const body = await formField(c, "body");
    const token = parseTokenInput(await formField(c, "token"));
    const refuse = (error: string) =>
      render(
        c,
        <TestAlertPage
          {...common(c)}
          webhook={webhook}
          receiverUrl={deps.receiverUrl}
          body={body}
          error={error}
        />,
        422,
      );
    if (body.trim() === "") return refuse("Write the alert message to send.");
    if (Buffer.byteLength(body) > MAX_TEST_ALERT_BYTES) {
      return refuse(`The alert message is over ${MAX_TEST_ALERT_BYTES} bytes, which the receiver refuses.`);
    }
    if (!isWellFormedToken(token)) {
      return refuse(
        "Paste this webhook's URL or token: the console keeps only its hash, so it cannot send without it.",
      );
    }
    // Compared by hash: the console holds no token to compare with.
    if (hashToken(token) !== credentials.tokenHash) {
      return refuse(`That is not this webhook's current token (it starts ${webhook.tokenPrefix}).`);
    }
    const result = await deps.sendTestAlert({
      token,
      body,
      signingSecret: credentials.signingSecret,
      requestId: c.get("requestId"),
    });
    return render(
      c,
      <TestAlertPage
        {...common(c)}
        webhook={webhook}
        receiverUrl={deps.receiverUrl}
        body={body}
        result={result}
      />,
    );
  });
}
