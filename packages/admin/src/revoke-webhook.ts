import { type Database, type Webhook, webhooks } from "@orderhook/db";
import { eq, sql } from "drizzle-orm";
import { changeWebhook } from "./change-webhook";

export interface RevokedWebhook {
  webhook: Webhook;
  /** Revoking twice is harmless; the first revocation time is kept. */
  alreadyRevoked: boolean;
}

export function revokeWebhook(db: Database, webhookId: string): Promise<RevokedWebhook> {
  return changeWebhook(db, webhookId, async (tx, current) => {
    const [webhook] = await tx
      .update(webhooks)
      .set({ active: false, revokedAt: sql`coalesce(${webhooks.revokedAt}, now())` })
      .where(eq(webhooks.id, current.id))
      .returning();
    return { webhook: webhook!, alreadyRevoked: !current.active };
  });
}
