import { hashToken } from "@orderhook/db";
import { OrderhookError } from "@orderhook/errors";
import type { Context } from "hono";
import type { AppEnv } from "./app-env";
import type { CredentialCache } from "./credential-cache";
import { invalidToken } from "./invalid-token";
import type { OrderStatusReader } from "./order-status";
import { jsonResponse } from "./respond";
import { unavailable } from "./unavailable";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function notFound(): OrderhookError {
  return new OrderhookError("not_found", { detail: "No such order for this user." });
}

/** GET /v1/orders/{orderId}: any webhook token of the owner, as a bearer token, reads the order. */
export function createGetOrderHandler(deps: {
  credentials: CredentialCache;
  readOrderStatus: OrderStatusReader;
}) {
  return async function getOrder(c: Context<AppEnv>): Promise<Response> {
    const match = /^Bearer\s+(\S{1,256})$/i.exec(c.req.header("authorization") ?? "");
    if (match === null) throw invalidToken();
    const creds = await deps.credentials.get(hashToken(match[1]!)).catch((error: unknown) => {
      throw unavailable(error, "The credential store");
    });
    if (creds === null) throw invalidToken();
    const orderId = c.req.param("orderId") ?? "";
    if (!UUID.test(orderId)) throw notFound();
    const view = await deps.readOrderStatus(creds.userId, orderId.toLowerCase()).catch((error: unknown) => {
      throw unavailable(error, "The order store");
    });
    if (view === null) throw notFound();
    c.set("outcome", view.status);
    return jsonResponse(200, view, c.get("requestId"));
  };
}
