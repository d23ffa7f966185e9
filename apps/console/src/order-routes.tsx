import { getUserOrder, isUuid, listUserOrders, listUserWebhooks } from "@orderhook/admin";
import type { Database } from "@orderhook/db";
import { OrderhookError } from "@orderhook/errors";
import type { Context, Hono } from "hono";
import type { ConsoleAppEnv } from "./app-env";
import type { DeliveryLog } from "./delivery-log";
import { requireUser } from "./guards";
import { DeliveriesPage } from "./pages/deliveries-page";
import { OrderPage } from "./pages/order-page";
import { OrdersPage } from "./pages/orders-page";
import { render } from "./render";

export const ORDERS_PAGE_SIZE = 50;
const DELIVERIES_PAGE_SIZE = 50;

/** Orders (newest first, a page at a time), one order, and the deliveries page. */
export function mountOrders(
  app: Hono<ConsoleAppEnv>,
  deps: { db: Database; deliveryLog: DeliveryLog },
): void {
  const { db, deliveryLog } = deps;
  for (const path of ["/orders", "/orders/*", "/deliveries"]) app.use(path, requireUser);

  const common = (c: Context<ConsoleAppEnv>) => ({ viewer: c.get("viewer"), csrfToken: c.get("csrfToken") });

  app.get("/orders", async (c) => {
    const before = c.req.query("before");
    if (before !== undefined && !isUuid(before)) {
      throw new OrderhookError("invalid_argument", {
        detail: "This page link is not valid: start from the newest orders.",
      });
    }
    const page = await listUserOrders(db, c.get("user").id, { before, limit: ORDERS_PAGE_SIZE });
    return render(
      c,
      <OrdersPage
        {...common(c)}
        orders={page.orders}
        nextBefore={page.nextBefore}
        first={before === undefined}
        pageSize={ORDERS_PAGE_SIZE}
      />,
    );
  });

  app.get("/orders/:id", async (c) => {
    // Another user's order and no order at all get the same answer.
    const order = await getUserOrder(db, c.get("user").id, c.req.param("id"));
    if (order === null) throw new OrderhookError("not_found", { detail: "You have no order with this id." });
    return render(c, <OrderPage {...common(c)} order={order} />);
  });

  app.get("/deliveries", async (c) => {
    const userId = c.get("user").id;
    const webhooks = await listUserWebhooks(db, userId);
    const webhookId = c.req.query("webhook") ?? null;
    if (webhookId !== null && !webhooks.some((webhook) => webhook.id === webhookId)) {
      throw new OrderhookError("not_found", { detail: "You have no webhook with this id." });
    }
    const cursor = c.req.query("cursor");
    const [page, lastHour] = await Promise.all([
      deliveryLog.recent(userId, {
        webhookId: webhookId ?? undefined,
        cursor,
        limit: DELIVERIES_PAGE_SIZE,
      }),
      deliveryLog.lastHour(userId, webhookId),
    ]);
    return render(
      c,
      <DeliveriesPage
        {...common(c)}
        webhooks={webhooks}
        webhookId={webhookId}
        page={page}
        lastHour={lastHour}
        first={cursor === undefined}
        pageSize={DELIVERIES_PAGE_SIZE}
      />,
    );
  });
}
