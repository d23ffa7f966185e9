import { type Database, orders, users } from "@orderhook/db";
import { desc, eq } from "drizzle-orm";
import { requireInteger } from "./arguments";
import { getUserByEmail } from "./get-user-by-email";

export interface ListOrdersInput {
  userEmail?: string | undefined;
  limit?: number | undefined;
}

const summary = {
  id: orders.id,
  userEmail: users.email,
  status: orders.status,
  reason: orders.reason,
  ticker: orders.ticker,
  action: orders.action,
  quantity: orders.quantity,
  orderType: orders.orderType,
  accountId: orders.accountId,
  receivedAt: orders.receivedAt,
  processedAt: orders.processedAt,
};

/** Newest first. */
export async function listOrders(db: Database, input: ListOrdersInput = {}) {
  const limit = requireInteger(input.limit ?? 20, "limit", 1, 1_000);
  const query = db.select(summary).from(orders).innerJoin(users, eq(users.id, orders.userId));
  if (input.userEmail === undefined) {
    // The id is a UUIDv7, so the primary key index is already in arrival order.
    return query.orderBy(desc(orders.id)).limit(limit);
  }
  const user = await getUserByEmail(db, input.userEmail);
  return query
    .where(eq(orders.userId, user.id))
    .orderBy(desc(orders.createdAt), desc(orders.id))
    .limit(limit);
}

/** One line of `orders list`: the columns selected above, as Drizzle types them from the schema. */
export type OrderSummary = Awaited<ReturnType<typeof listOrders>>[number];
