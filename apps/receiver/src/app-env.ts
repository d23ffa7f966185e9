import type { IncomingMessage, ServerResponse } from "node:http";
import type { WebhookCredentials } from "./credentials";

/**
 * What `recordDelivery` needs of a request, in one object the request middleware sets once: the
 * handler fills it in with plain property writes. As six context variables, each was a `Map` set
 * and the context's `Map` grew past its four entries (a rehash) on every accepted alert.
 */
export interface RequestLog {
  /** performance.now() when the request reached the app (its first middleware). */
  startedAt: number;
  /** The webhook the token resolved to: only such requests are logged. */
  webhook: WebhookCredentials | undefined;
  /** The body as read, for the entry's excerpt. */
  body: Buffer | undefined;
  /** The order a replay answered with. */
  orderId: string | undefined;
  /** The admission script wrote the entry already (an accepted alert). */
  logged: boolean;
}

/** Hono environment of the receiver: Node bindings when served by @hono/node-server (absent under app.request()). */
export interface AppEnv {
  Bindings: { incoming?: IncomingMessage; outgoing?: ServerResponse };
  Variables: {
    requestId: string;
    /** The request's outcome for logs and metrics: an error code, "accepted", "replayed" or "found". */
    outcome: string;
    /** The deliveries log's state of the request (set only while the log is on): see `RequestLog`. */
    log: RequestLog;
  };
}
