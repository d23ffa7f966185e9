import { OrderhookError } from "@orderhook/errors";
import type { KeyedRateLimiter } from "@orderhook/http";
import type { Context } from "hono";
import type { AppEnv } from "./app-env";
import type { Authenticator } from "./authenticate";
import type { OrderStatusReader } from "./order-status";
import { jsonResponse } from "./respond";
import { unavailable } from "./unavailable";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function notFound(): OrderhookError {
  return new OrderhookError("not_found", { detail: "No such order for this user." });
}

/** GET /v1/orders/{orderId}: any webhook token of the owner, as a bearer token, reads the order. */
export function createGetOrderHandler(deps: {
  authenticator: Authenticator;
  readOrderStatus: OrderStatusReader;
  /** Reads that find no order (each may cost a Redis and a Postgres query), per user; past it, 429. */
  missesPerUser?: KeyedRateLimiter;
}) {
  const { authenticator, readOrderStatus, missesPerUser: misses } = deps;
  return async function getOrder(c: Context<AppEnv>): Promise<Response> {
    const match = /^Bearer\s+(\S{1,256})$/i.exec(c.req.header("authorization") ?? "");
    if (match === null) throw authenticator.refuse(c);
    const creds = await authenticator.authenticate(c, match[1]!);
    const waitMs = misses?.wait(creds.userId) ?? 0;
    if (waitMs > 0) {
      const retryAfter = Math.ceil(waitMs / 1000);
      throw new OrderhookError("rate_limited", {
        detail: `Too many reads of orders that do not exist; retry in ${retryAfter} s.`,
        retryAfter,
      });
    }
    const orderId = c.req.param("orderId") ?? "";
    const view = UUID.test(orderId)
      ? await readOrderStatus(creds.userId, orderId.toLowerCase()).catch((error: unknown) => {
          throw unavailable(error, "The order store");
        })
      : null;
    if (view === null) {
      misses?.hit(creds.userId);
      throw notFound();
    }
    // The request's outcome, never the order's status: an order `accepted` by the worker must
    // not count with the alerts the webhook route accepted.
    c.set("outcome", "found");
    return jsonResponse(200, view, c.get("requestId"));
  };
}
