import { type Database, issueToken, type Webhook, webhooks } from "@orderhook/db";
import { OrderhookError } from "@orderhook/errors";
import { eq } from "drizzle-orm";
import { changeWebhook } from "./change-webhook";

export interface RotatedWebhook {
  webhook: Webhook;
  token: string;
  /** Receivers drop the credentials cached under this hash. */
  previousTokenHash: string;
}

/** Replaces the token; the old one stops matching the moment the row is committed. */
export function rotateWebhook(db: Database, webhookId: string): Promise<RotatedWebhook> {
  return changeWebhook(db, webhookId, async (tx, current) => {
    if (!current.active) {
      throw new OrderhookError("conflict", {
        detail: `webhook ${current.id} is revoked; create a new one instead of rotating it`,
      });
    }
    const { token, tokenHash, tokenPrefix } = issueToken();
    const [webhook] = await tx
      .update(webhooks)
      .set({ tokenHash, tokenPrefix, rotatedAt: new Date() })
      .where(eq(webhooks.id, current.id))
      .returning();
    return { webhook: webhook!, token, previousTokenHash: current.tokenHash };
  });
}
