import { brokerAccounts, type Database, type Order, orders, webhooks } from "@orderhook/db";
import { and, eq, getTableColumns, sql } from "drizzle-orm";
import { isUuid } from "./user-scope";

export type UserOrderDetail = Order & {
  accountName: string | null;
  webhookName: string | null;
  /** The raw payload as Postgres prints it, indented: its numbers digit for digit, unlike a JSON.parse round trip. */
  rawPayloadText: string;
};

/** One order in full, raw payload included; null when there is none with that id or it is another user's. */
export async function getUserOrder(
  db: Database,
  userId: string,
  orderId: string,
): Promise<UserOrderDetail | null> {
  if (!isUuid(userId) || !isUuid(orderId)) return null;
  const [row] = await db
    .select({
      ...getTableColumns(orders),
      accountName: brokerAccounts.name,
      webhookName: webhooks.name,
      rawPayloadText: sql<string>`jsonb_pretty(${orders.rawPayload})`,
    })
    .from(orders)
    .leftJoin(brokerAccounts, eq(brokerAccounts.id, orders.accountId))
    .leftJoin(webhooks, eq(webhooks.id, orders.webhookId))
    .where(and(eq(orders.id, orderId), eq(orders.userId, userId)))
    .limit(1);
  return row ?? null;
}
