// Imported: Node 20's global `performance` is an accessor, a getter call on every read.
import { performance } from "node:perf_hooks";
import { bodyExcerpt, type DeliveryWriter } from "@orderhook/deliveries";
import { isOrderhookError } from "@orderhook/errors";
import type { ClientAddress } from "@orderhook/http";
import type { Context } from "hono";
import type { AppEnv, RequestLog } from "./app-env";
import { contentType } from "./request-header";

/**
 * The deliveries log for everything but an accepted alert (whose entry its admission script
 * wrote): once the answer is built, a request whose token resolved to a webhook — a replay, any
 * refusal, a 503 — is appended without waiting (the write's failure is counted, never thrown),
 * so logging a refusal adds no wait to it. Requests whose token resolves to nothing are not
 * anyone's to see and are not logged. Called by the app's request middleware after the answer
 * with the request's `RequestLog` (the context's `log`): a middleware of its own cost every alert
 * another async step through Hono's compose.
 */
export function createRecordDelivery(deps: {
  writer: DeliveryWriter;
  clientAddress: ClientAddress;
  now?: () => number;
}) {
  const { writer, clientAddress, now = Date.now } = deps;
  return function recordDelivery(c: Context<AppEnv>, log: RequestLog): void {
    const { webhook, body } = log;
    if (webhook === undefined || log.logged) return;
    const ackMs = performance.now() - log.startedAt;
    const error = c.error;
    writer.record(webhook.userId, webhook.webhookId, {
      receivedAt: Math.round(now() - ackMs),
      requestId: c.get("requestId"),
      outcome: c.get("outcome") ?? String(c.res.status),
      httpStatus: c.res.status,
      orderId: log.orderId ?? null,
      errors: isOrderhookError(error) ? (error.errors ?? []) : [],
      ackMs,
      clientIp: clientAddress(c),
      contentType: contentType(c),
      bodyExcerpt: body === undefined ? "" : bodyExcerpt(body, c.req.param("token") ?? ""),
    });
  };
}
