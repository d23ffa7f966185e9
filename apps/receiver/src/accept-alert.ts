import { hash } from "node:crypto";
// Imported: Node 20's global `performance` is an accessor, a getter call on every read.
import { performance } from "node:perf_hooks";
import { assertFresh, type OrderAlert, parseAlertBody } from "@orderhook/alert";
import { bodyExcerpt, encodeDelivery } from "@orderhook/deliveries";
import { type FieldError, isOrderhookError, OrderhookError } from "@orderhook/errors";
import type { ClientAddress, KeyedRateLimiter } from "@orderhook/http";
import { ORDER_JOB_VERSION, type OrderJob } from "@orderhook/queue";
import type { Context } from "hono";
import type { Admission, AdmitRequest } from "./admission";
import type { AppEnv, RequestLog } from "./app-env";
import type { Authenticator } from "./authenticate";
import type { WebhookCredentials } from "./credentials";
import { isoTime } from "./iso-time";
import { newOrderId } from "./order-id";
import { orderJobJson } from "./order-job-json";
import type { OrderStatusReader } from "./order-status";
import { readIncomingBody, readRequestBody } from "./read-body";
import { contentType, requestHeader } from "./request-header";
import { acceptedResponse, jsonResponse, problemResponse } from "./respond";
import { unavailable } from "./unavailable";
import { verifyWebhookSignature } from "./webhook-signature";

export interface AcceptAlertDeps {
  authenticator: Authenticator;
  admission: Admission;
  /**
   * Refused (4xx) and repeated (200 replay) requests per webhook; past the limit a request is
   * refused with 429 before its body is read. Absent: no limit.
   */
  refusalsPerWebhook?: KeyedRateLimiter;
  /** A replay answers the order's status as `GET /v1/orders/{id}` reads it. */
  readOrderStatus: OrderStatusReader;
  bodyLimitBytes: number;
  defaultRatePerSecond: number;
  /** Keyless alerts with the same body are duplicates within this window, unless the webhook sets its own. */
  dedupWindowMs: number;
  now?: () => number;
  /** Called with the duration in ms of the admission-and-enqueue script of an accepted alert (metrics). */
  onEnqueued?: (durationMs: number) => void;
  /**
   * The deliveries log is on: an accepted alert's entry rides in its admission script, and the
   * request's webhook and body are left in its `RequestLog` for `recordDelivery` to log anything else.
   */
  deliveryLog?: { clientAddress: ClientAddress };
}

/** An accepted alert's deliveries entry has no field errors: one array for all of them. */
const NO_FIELD_ERRORS: FieldError[] = [];

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

/**
 * A 503 after the script was sent means "not confirmed", not "not done": the job may be queued.
 * The detail tells the sender how to retry without risking a second order.
 */
function unconfirmed(error: unknown, keyed: boolean, dedupWindowMs: number) {
  return unavailable(
    error,
    "Redis",
    keyed
      ? "The order was not confirmed in time and may have been queued. Retry with the same Idempotency-Key " +
          "(or webhook-id): you get this order if it was queued, a new one if it was not."
      : "The order was not confirmed in time and may have been queued. This request had no Idempotency-Key, " +
          `so ${dedupWindowMs === 0 ? "any retry" : `a retry more than ${dedupWindowMs} ms later`} could queue it twice: send each alert with an ` +
          "Idempotency-Key header or idempotencyKey field, and retry with the same key.",
  );
}

function tooManyRefusals(waitMs: number): OrderhookError {
  const retryAfter = Math.ceil(waitMs / 1000);
  return new OrderhookError("rate_limited", {
    detail: `Too many refused or repeated requests to this webhook; retry in ${retryAfter} s.`,
    retryAfter,
  });
}

/** Refusals that cost the receiver work (a body read, a parse, a signature, a round trip). */
function isRefusal(error: unknown): boolean {
  return isOrderhookError(error) && error.status >= 400 && error.status < 500;
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
 * does idempotency, rate limit, signed retries and the enqueue — and the 202 goes out only
 * once the job is in Redis. A webhook's refusals are bounded apart from its order rate: past
 * `refusalsPerWebhook`, a request is refused before its body is read (one map lookup per
 * request otherwise).
 */
export function createAcceptAlertHandler(deps: AcceptAlertDeps) {
  const {
    authenticator,
    admission,
    refusalsPerWebhook: refusals,
    bodyLimitBytes,
    defaultRatePerSecond,
    now = Date.now,
    deliveryLog: log,
  } = deps;

  return async function acceptAlert(c: Context<AppEnv>): Promise<Response> {
    const token = c.req.param("token") ?? "";
    const creds = await authenticator.authenticate(c, token);
    // Set by the app's request middleware while the log is on.
    const requestLog = log === undefined ? undefined : c.get("log");
    if (requestLog !== undefined) requestLog.webhook = creds;
    if (refusals === undefined) return admitAlert(c, creds, token, requestLog);
    const waitMs = refusals.wait(creds.webhookId);
    if (waitMs > 0) throw tooManyRefusals(waitMs);
    try {
      return await admitAlert(c, creds, token, requestLog);
    } catch (error) {
      if (isRefusal(error)) refusals.hit(creds.webhookId);
      throw error;
    }
  };

  /**
   * What a replay answers: the order as `GET /v1/orders/{id}` reads it now (the replay path, not
   * the 202's: a job read in Redis, or a row read once the order is final and then kept in memory).
   * Unreadable: 503, saying the order exists and a retry answers it again.
   */
  async function replayedOrder(userId: string, orderId: string): Promise<unknown> {
    let view: Awaited<ReturnType<OrderStatusReader>>;
    try {
      view = await deps.readOrderStatus(userId, orderId);
    } catch (error) {
      throw unavailable(
        error,
        "The order store",
        `This request repeats order ${orderId}, which exists; its status could not be read. ` +
          "Retrying is safe: it answers this order again, never a new one.",
      );
    }
    // Null only for a job failed while its row could not be written: the admission knew it queued.
    return view ?? { orderId, status: "queued", reason: null };
  }

  async function admitAlert(
    c: Context<AppEnv>,
    creds: WebhookCredentials,
    token: string,
    requestLog: RequestLog | undefined,
  ): Promise<Response> {
    const incoming = c.env?.incoming;
    const body = incoming
      ? await readIncomingBody(incoming, bodyLimitBytes)
      : await readRequestBody(c.req.raw, bodyLimitBytes);
    if (requestLog !== undefined) requestLog.body = body;

    const receivedAt = now();
    let signature: AdmitRequest["signature"] = null;
    if (creds.signingKey !== null) {
      // Svix-based senders name the same Standard Webhooks headers svix-*.
      const headers = {
        id: requestHeader(c, "webhook-id") ?? requestHeader(c, "svix-id") ?? null,
        timestamp: requestHeader(c, "webhook-timestamp") ?? requestHeader(c, "svix-timestamp") ?? null,
        signature: requestHeader(c, "webhook-signature") ?? requestHeader(c, "svix-signature") ?? null,
      };
      if (!verifyWebhookSignature(creds.signingKey, headers, body, receivedAt)) throw authenticator.refuse(c);
      signature = { webhookId: creds.webhookId, messageId: headers.id! };
    }

    // The webhook's settings come from the cached credentials (no query, no round trip): the
    // default quantity is one comparison in the parse, the max lag one in assertFresh.
    const text = body.toString("utf8");
    const { raw, alert, json } = parseAlertBody(text, creds.defaultQuantity);
    const accountId = resolveAccount(creds, alert);
    assertFresh(alert, receivedAt, raw, creds.maxLagSeconds);

    const orderId = newOrderId(receivedAt);
    const idempotencyKey = explicitKey(requestHeader(c, "idempotency-key"), alert);
    const rate = creds.rateLimitPerSecond ?? defaultRatePerSecond;
    const dedupWindowMs = creds.dedupWindowMs ?? deps.dedupWindowMs;
    const requestId = c.get("requestId");
    const job: OrderJob = {
      v: ORDER_JOB_VERSION,
      orderId,
      userId: creds.userId,
      webhookId: creds.webhookId,
      accountId,
      idempotencyKey,
      alert,
      raw,
      receivedAt,
    };
    const request: AdmitRequest = {
      // One-shot hash: measured a third of createHash().update().digest() per request.
      bodyHash: hash("sha256", body, "base64"),
      rate,
      burst: creds.rateLimitBurst ?? rate,
      dedupWindowMs,
      signature,
      job,
      jobJson: orderJobJson(job, json),
      // Logged only if the script accepts it, so the entry says 202; the ack time is up to here.
      delivery:
        log === undefined || requestLog === undefined
          ? null
          : encodeDelivery({
              receivedAt,
              requestId,
              outcome: "accepted",
              httpStatus: 202,
              orderId,
              errors: NO_FIELD_ERRORS,
              ackMs: performance.now() - requestLog.startedAt,
              clientIp: log.clientAddress(c),
              contentType: contentType(c),
              bodyExcerpt: bodyExcerpt(body, token, text),
            }),
    };
    const admitStart = performance.now();
    let admitted: Awaited<ReturnType<Admission["admit"]>>;
    try {
      admitted = await admission.admit(request);
    } catch (error) {
      // Admission and enqueue are one script: if it ran after all, the sender's retry is a replay.
      throw unconfirmed(error, idempotencyKey !== null || signature !== null, dedupWindowMs);
    }
    switch (admitted.outcome) {
      case "replay":
        refusals?.hit(creds.webhookId);
        if (requestLog !== undefined) requestLog.orderId = admitted.orderId;
        c.set("outcome", "replayed");
        return jsonResponse(200, await replayedOrder(creds.userId, admitted.orderId), requestId, {
          "idempotent-replayed": "true",
        });
      case "in_flight":
        throw new OrderhookError("idempotency_in_flight", {
          detail: "A request with this idempotency key is still being queued; retry shortly.",
          retryAfter: 1,
        });
      case "key_reused":
        throw new OrderhookError("idempotency_key_reused", {
          detail: "This idempotency key was used with a different payload, account or webhook.",
        });
      case "rate_limited": {
        refusals?.hit(creds.webhookId);
        const retryAfter = Math.max(1, Math.ceil(admitted.retryAfterMs / 1000));
        c.set("outcome", "rate_limited");
        return problemResponse("rate_limited", requestId, {
          detail: `More than ${rate} alerts per second (${request.burst} at once); retry in ${retryAfter} s.`,
          headers: {
            "retry-after": String(retryAfter),
            "ratelimit-policy": `"user";q=${rate};w=1`,
            ratelimit: `"user";r=0;t=${retryAfter}`,
          },
        });
      }
      case "accepted":
        break;
    }

    deps.onEnqueued?.(performance.now() - admitStart);
    c.set("outcome", "accepted");
    if (requestLog !== undefined) requestLog.logged = true;
    return acceptedResponse(orderId, isoTime(receivedAt), requestId);
  }
}
