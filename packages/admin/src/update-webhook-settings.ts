import { type Database, type Webhook, webhooks } from "@orderhook/db";
import { OrderhookError } from "@orderhook/errors";
import { eq } from "drizzle-orm";
import { changeWebhook } from "./change-webhook";
import { readWebhookSettings, type WebhookSettingsInput } from "./webhook-settings";

/**
 * Changes a webhook's alert settings under its row lock. Receivers hold them in their credential
 * cache: broadcast an `updated` event afterwards so they read them anew at once.
 */
export async function updateWebhookSettings(
  db: Database,
  webhookId: string,
  input: WebhookSettingsInput,
): Promise<Webhook> {
  const settings = readWebhookSettings(input);
  if (Object.keys(settings).length === 0) {
    throw new OrderhookError("invalid_argument", {
      detail: "no setting to change: give a default quantity, a dedup window or a max lag",
    });
  }
  return changeWebhook(db, webhookId, async (tx, current) => {
    if (!current.active) {
      throw new OrderhookError("conflict", {
        detail: `webhook ${current.id} is revoked; its settings no longer apply`,
      });
    }
    const [webhook] = await tx.update(webhooks).set(settings).where(eq(webhooks.id, current.id)).returning();
    return webhook!;
  });
}
