import { hash } from "node:crypto";
import { assertFresh, type OrderAlert, parseAlertBody } from "@orderhook/alert";
import { hashToken } from "@orderhook/db";
import { OrderhookError } from "@orderhook/errors";
import { ORDER_JOB_VERSION } from "@orderhook/queue";
import type { Context } from "hono";
import type { Admission, AdmitRequest } from "./admission";
import type { AppEnv } from "./app-env";
import type { CredentialCache } from "./credential-cache";
import type { WebhookCredentials } from "./credentials";
import { invalidToken } from "./invalid-token";
import { newOrderId } from "./order-id";
import { readIncomingBody, readRequestBody } from "./read-body";
import { jsonResponse, problemResponse } from "./respond";
import { unavailable } from "./unavailable";
import { verifyWebhookSignature } from "./webhook-signature";

export interface AcceptAlertDeps {
  credentials: CredentialCache;
  admission: Admission;
  bodyLimitBytes: number;
  defaultRatePerSecond: number;
  now?: () => number;
  /** Called with the duration in ms of the admission-and-enqueue script of an accepted alert (metrics). */
  onEnqueued?: (durationMs: number) => void;
}

function resolveAccount(credentials: WebhookCredentials, alert: OrderAlert): string {
  const wanted = alert.account ?? credentials.accountId;
  for (const account of credentials.accounts) {
    if ((account.id === wanted || account.name === wanted) && account.active) return account.id;
  }
  throw new OrderhookError("account_forbidden", {
    detail:
      alert.account === null
        ? "The webhook's broker account is disabled."
        : "The account is not one of the owner's active broker accounts.",
    errors:
      alert.account === null ? undefined : [{ field: "account", message: "not an active account of yours" }],
  });
}

function explicitKey(header: string | undefined, alert: OrderAlert): string | null {
  if (header === undefined) return alert.idempotencyKey;
  if (header.length === 0 || header.length > 255) {
    throw new OrderhookError("invalid_order", {
      detail: "The Idempotency-Key header must be 1-255 characters.",
      errors: [{ field: "Idempotency-Key", message: "must be 1-255 characters" }],
    });
  }
  return header;
}

/**
 * POST /v1/webhooks/{token}. Checks run cheapest-first; Redis is touched once — one script
 * does idempotency, rate limit, signature replay and the enqueue — and the 202 goes out only
 * once the job is in Redis.
 */
export function createAcceptAlertHandler(deps: AcceptAlertDeps) {
  const { credentials, admission, bodyLimitBytes, defaultRatePerSecond, now = Date.now } = deps;

  return async function acceptAlert(c: Context<AppEnv>): Promise<Response> {
    const token = c.req.param("token") ?? "";
    if (token.length > 256) throw invalidToken();
    let creds: WebhookCredentials | null;
    try {
      creds = await credentials.get(hashToken(token));
    } catch (error) {
      throw unavailable(error, "The credential store");
    }
    if (creds === null) throw invalidToken();

    const incoming = c.env?.incoming;
    const body = incoming
      ? await readIncomingBody(incoming, bodyLimitBytes)
      : await readRequestBody(c.req.raw, bodyLimitBytes);

    const receivedAt = now();
    let signature: AdmitRequest["signature"] = null;
    if (creds.signingKey !== null) {
      // Svix-based senders name the same Standard Webhooks headers svix-*.
      const headers = {
        id: c.req.header("webhook-id") ?? c.req.header("svix-id") ?? null,
        timestamp: c.req.header("webhook-timestamp") ?? c.req.header("svix-timestamp") ?? null,
        signature: c.req.header("webhook-signature") ?? c.req.header("svix-signature") ?? null,
      };
      if (!verifyWebhookSignature(creds.signingKey, headers, body, receivedAt)) throw invalidToken();
      signature = { webhookId: creds.webhookId, messageId: headers.id! };
    }

    const { raw, alert } = parseAlertBody(body.toString("utf8"));
    const accountId = resolveAccount(creds, alert);
    assertFresh(alert, receivedAt, raw);

    const orderId = newOrderId(receivedAt);
    const idempotencyKey = explicitKey(c.req.header("idempotency-key"), alert);
    const request: AdmitRequest = {
      // One-shot hash: measured a third of createHash().update().digest() per request.
      fingerprint: hash("sha256", body, "base64"),
      rate: creds.rateLimitPerSecond ?? defaultRatePerSecond,
      signature,
      job: {
        v: ORDER_JOB_VERSION,
        orderId,
        userId: creds.userId,
        webhookId: creds.webhookId,
        accountId,
        idempotencyKey,
        alert,
        raw,
        receivedAt,
      },
    };
    const admitStart = performance.now();
    let admitted: Awaited<ReturnType<Admission["admit"]>>;
    try {
      admitted = await admission.admit(request);
    } catch (error) {
      // Admission and enqueue are one script: if it ran after all, the sender's retry is a replay.
      throw unavailable(error, "Redis");
    }
    const requestId = c.get("requestId");
    switch (admitted.outcome) {
      case "replay":
        c.set("outcome", "replayed");
        return jsonResponse(200, { orderId: admitted.orderId, status: "queued" }, requestId, {
          "idempotent-replayed": "true",
        });
      case "in_flight":
        throw new OrderhookError("idempotency_in_flight", {
          detail: "A request with this idempotency key is still being queued; retry shortly.",
          retryAfter: 1,
        });
      case "key_reused":
        throw new OrderhookError("idempotency_key_reused", {
          detail: "This idempotency key was used with a different payload.",
        });
      case "signature_replayed":
        throw invalidToken();
      case "rate_limited": {
        const retryAfter = Math.max(1, Math.ceil(admitted.retryAfterMs / 1000));
        c.set("outcome", "rate_limited");
        return problemResponse("rate_limited", requestId, {
          detail: `More than ${request.rate} alerts per second; retry in ${retryAfter} s.`,
          headers: {
            "retry-after": String(retryAfter),
            "ratelimit-policy": `"user";q=${request.rate};w=1`,
            ratelimit: `"user";r=0;t=${retryAfter}`,
          },
        });
      }
      case "accepted":
        break;
    }

    deps.onEnqueued?.(performance.now() - admitStart);
    c.set("outcome", "accepted");
    return jsonResponse(
      202,
      { orderId, status: "queued", receivedAt: new Date(receivedAt).toISOString() },
      requestId,
    );
  };
}
