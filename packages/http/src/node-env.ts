import type { IncomingMessage, ServerResponse } from "node:http";

/**
 * The Hono bindings @hono/node-server gives a request (absent under `app.request()`, in tests).
 * Every app's own environment includes them, so the helpers here accept any app's context.
 */
export interface NodeBindings {
  incoming?: IncomingMessage;
  outgoing?: ServerResponse;
}

export interface NodeEnv {
  Bindings: NodeBindings;
}
