import { type Database, type Webhook, webhooks } from "@orderhook/db";
import { OrderhookError } from "@orderhook/errors";
import { eq, sql } from "drizzle-orm";
import { requireUuid } from "./arguments";

export interface RevokedWebhook {
  webhook: Webhook;
  /** Revoking twice is harmless; the first revocation time is kept. */
  alreadyRevoked: boolean;
}

export async function revokeWebhook(db: Database, webhookId: string): Promise<RevokedWebhook> {
  const id = requireUuid(webhookId, "webhook id");
  return db.transaction(async (tx) => {
    const [current] = await tx.select().from(webhooks).where(eq(webhooks.id, id)).for("update");
    if (!current) throw new OrderhookError("not_found", { detail: `no webhook with id ${id}` });
    const [webhook] = await tx
      .update(webhooks)
      .set({ active: false, revokedAt: sql`coalesce(${webhooks.revokedAt}, now())` })
      .where(eq(webhooks.id, id))
      .returning();
    return { webhook: webhook!, alreadyRevoked: !current.active };
  });
}
