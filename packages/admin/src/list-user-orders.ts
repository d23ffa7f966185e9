import { type Database, type OrderStatus, orders, webhooks } from "@orderhook/db";
import { and, desc, eq, sql } from "drizzle-orm";
import { requireInteger } from "./arguments";
import { isUuid } from "./user-scope";

/** An order as a list shows it; decimals are the exact text Postgres stores. */
export interface UserOrder {
  id: string;
  status: OrderStatus;
  reason: string | null;
  ticker: string;
  action: string;
  quantity: string | null;
  orderType: string;
  limitPrice: string | null;
  stopPrice: string | null;
  webhookId: string | null;
  webhookName: string | null;
  receivedAt: Date;
  processedAt: Date | null;
}

export interface UserOrderPage {
  orders: UserOrder[];
  /** Pass as `before` for the next (older) page; null on the last page. */
  nextBefore: string | null;
}

export interface ListUserOrdersInput {
  /** Orders written before this one of the user's (the previous page's `nextBefore`). */
  before?: string | undefined;
  limit?: number | undefined;
}

const userOrderColumns = {
  id: orders.id,
  status: orders.status,
  reason: orders.reason,
  ticker: orders.ticker,
  action: orders.action,
  quantity: orders.quantity,
  orderType: orders.orderType,
  limitPrice: orders.limitPrice,
  stopPrice: orders.stopPrice,
  webhookId: orders.webhookId,
  webhookName: webhooks.name,
  receivedAt: orders.receivedAt,
  processedAt: orders.processedAt,
};

/**
 * One user's orders, newest first, a page at a time. The cursor is an order id; the page after
 * it is found through (created_at, id), the order of the user's index, so a page costs the same
 * however deep it is. A cursor that is not one of the user's orders gives an empty page.
 */
export async function listUserOrders(
  db: Database,
  userId: string,
  input: ListUserOrdersInput = {},
): Promise<UserOrderPage> {
  const limit = requireInteger(input.limit ?? 50, "limit", 1, 500);
  const { before } = input;
  if (!isUuid(userId) || (before !== undefined && !isUuid(before))) return { orders: [], nextBefore: null };
  const after =
    before === undefined
      ? undefined
      : sql`(${orders.createdAt}, ${orders.id}) < (select o.created_at, o.id from ${orders} o where o.id = ${before} and o.user_id = ${userId})`;
  const rows = await db
    .select(userOrderColumns)
    .from(orders)
    .leftJoin(webhooks, eq(webhooks.id, orders.webhookId))
    .where(and(eq(orders.userId, userId), after))
    .orderBy(desc(orders.createdAt), desc(orders.id))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  return { orders: page, nextBefore: rows.length > limit ? (page.at(-1)?.id ?? null) : null };
}
