import type { IncomingMessage, ServerResponse } from "node:http";
import type { WebhookCredentials } from "./credentials";

/** Hono environment of the receiver: Node bindings when served by @hono/node-server (absent under app.request()). */
export interface AppEnv {
  Bindings: { incoming?: IncomingMessage; outgoing?: ServerResponse };
  Variables: {
    requestId: string;
    /** The request's outcome for logs and metrics: an error code, "accepted", "replayed" or "found". */
    outcome: string;
    // The deliveries log's (set only while it is on): see `recordDelivery`.
    /** performance.now() when the request reached the app (its first middleware). */
    startedAt: number;
    /** The webhook the token resolved to: only such requests are logged. */
    webhook: WebhookCredentials;
    /** The body as read, for the entry's excerpt. */
    body: Buffer;
    /** The order a replay answered with. */
    orderId: string;
    /** The admission script wrote the entry already (an accepted alert). */
    deliveryLogged: boolean;
  };
}
