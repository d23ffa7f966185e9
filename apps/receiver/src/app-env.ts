import type { IncomingMessage, ServerResponse } from "node:http";

/** Hono environment of the receiver: Node bindings when served by @hono/node-server (absent under app.request()). */
export interface AppEnv {
  Bindings: { incoming?: IncomingMessage; outgoing?: ServerResponse };
  Variables: {
    requestId: string;
    /** The request's outcome for logs and metrics: an error code, "accepted", "replayed" or "found". */
    outcome: string;
  };
}
