import { hash } from "node:crypto";
import { assertFresh, type OrderAlert, parseAlert } from "@orderhook/alert";
import { hashToken } from "@orderhook/db";
import { OrderhookError } from "@orderhook/errors";
import { ORDER_JOB_NAME, ORDER_JOB_VERSION, type OrderJob, type OrderQueue } from "@orderhook/queue";
import type { Context } from "hono";
import type { Admission, AdmitRequest } from "./admission";
import type { AppEnv } from "./app-env";
import type { CredentialCache } from "./credential-cache";
import type { WebhookCredentials } from "./credentials";
import { invalidToken } from "./invalid-token";
import { newOrderId } from "./order-id";
import { parseJsonBody } from "./parse-json-body";
import { readIncomingBody, readRequestBody } from "./read-body";
import { jsonResponse, problemResponse } from "./respond";
import { unavailable } from "./unavailable";
import { verifyWebhookSignature } from "./webhook-signature";

export interface AcceptAlertDeps {
  credentials: CredentialCache;
  admission: Admission;
  queue: OrderQueue;
  bodyLimitBytes: number;
  defaultRatePerSecond: number;
  now?: () => number;
  /** Called with the enqueue duration in ms (metrics). */
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
 * POST /v1/webhooks/{token}. Checks run cheapest-first; Redis is touched twice — the
 * admission script (idempotency + rate + signature replay) and the enqueue — and the 202
 * goes out only once the job is in Redis.
 */
export function createAcceptAlertHandler(deps: AcceptAlertDeps) {
  const { credentials, admission, queue, bodyLimitBytes, defaultRatePerSecond, now = Date.now } = deps;

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
      const headers = {
        id: c.req.header("webhook-id") ?? null,
        timestamp: c.req.header("webhook-timestamp") ?? null,
        signature: c.req.header("webhook-signature") ?? null,
      };
      if (!verifyWebhookSignature(creds.signingKey, headers, body, receivedAt)) throw invalidToken();
      signature = { webhookId: creds.webhookId, messageId: headers.id! };
    }

    const raw = parseJsonBody(body.toString("utf8"));
    const alert = parseAlert(raw);
    const accountId = resolveAccount(creds, alert);
    assertFresh(alert, receivedAt);

    const request: AdmitRequest = {
      userId: creds.userId,
      idempotencyKey: explicitKey(c.req.header("idempotency-key"), alert),
      // One-shot hash: measured a third of createHash().update().digest() per request.
      fingerprint: hash("sha256", body, "base64"),
      orderId: newOrderId(receivedAt),
      rate: creds.rateLimitPerSecond ?? defaultRatePerSecond,
      signature,
    };
    let admitted: Awaited<ReturnType<Admission["admit"]>>;
    try {
      admitted = await admission.admit(request);
    } catch (error) {
      // A timed-out script may still run; the release queued behind it undoes its reservation.
      admission.release(request, "admission").catch(() => {});
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

    const job: OrderJob = {
      v: ORDER_JOB_VERSION,
      orderId: request.orderId,
      userId: creds.userId,
      webhookId: creds.webhookId,
      accountId,
      idempotencyKey: request.idempotencyKey,
      alert,
      raw: raw as Record<string, unknown>,
      receivedAt,
    };
    const enqueueStart = performance.now();
    try {
      await queue.add(ORDER_JOB_NAME, job, { jobId: request.orderId });
    } catch (error) {
      // On the add's connection, so Redis runs it after an add that timed out on our side only.
      admission.release(request, "enqueue").catch(() => {});
      throw unavailable(error, "Redis");
    }
    deps.onEnqueued?.(performance.now() - enqueueStart);
    // The ack need not wait for it: until it lands, a retry finds the job and is a replay.
    admission.commit(request).catch(() => {});
    c.set("outcome", "accepted");
    return jsonResponse(
      202,
      { orderId: request.orderId, status: "queued", receivedAt: new Date(receivedAt).toISOString() },
      requestId,
    );
  };
}
