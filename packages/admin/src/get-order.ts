import { type Database, type Order, orders, users } from "@orderhook/db";
import { OrderhookError } from "@orderhook/errors";
import { eq, getTableColumns } from "drizzle-orm";
import { requireUuid } from "./arguments";

export type OrderDetail = Order & { userEmail: string };

export async function getOrder(db: Database, orderId: string): Promise<OrderDetail> {
  const id = requireUuid(orderId, "order id");
  const [order] = await db
    .select({ ...getTableColumns(orders), userEmail: users.email })
    .from(orders)
    .innerJoin(users, eq(users.id, orders.userId))
    .where(eq(orders.id, id))
    .limit(1);
  if (!order) throw new OrderhookError("not_found", { detail: `no order with id ${id}` });
  return order;
}
