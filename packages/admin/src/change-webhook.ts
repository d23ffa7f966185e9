import { type Database, type Webhook, webhooks } from "@orderhook/db";
import { OrderhookError } from "@orderhook/errors";
import { eq } from "drizzle-orm";
import { requireUuid } from "./arguments";

export type Transaction = Parameters<Parameters<Database["transaction"]>[0]>[0];

/**
 * Runs `change` on one webhook in a transaction that holds its row locked, so changes to one
 * webhook (revoke, rotate) queue up instead of racing; not_found when there is no such webhook.
 */
export function changeWebhook<T>(
  db: Database,
  webhookId: string,
  change: (tx: Transaction, current: Webhook) => Promise<T>,
): Promise<T> {
  const id = requireUuid(webhookId, "webhook id");
  return db.transaction(async (tx) => {
    const [current] = await tx.select().from(webhooks).where(eq(webhooks.id, id)).for("update");
    if (!current) throw new OrderhookError("not_found", { detail: `no webhook with id ${id}` });
    return change(tx, current);
  });
}
