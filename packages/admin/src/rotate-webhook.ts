import {
  type Database,
  generateToken,
  hashToken,
  tokenDisplayPrefix,
  type Webhook,
  webhooks,
} from "@orderhook/db";
import { OrderhookError } from "@orderhook/errors";
import { eq } from "drizzle-orm";
import { requireUuid } from "./arguments";

export interface RotatedWebhook {
  webhook: Webhook;
  token: string;
  /** Receivers drop the credentials cached under this hash. */
  previousTokenHash: string;
}

/** Replaces the token; the old one stops matching the moment the row is committed. */
export async function rotateWebhook(db: Database, webhookId: string): Promise<RotatedWebhook> {
  const id = requireUuid(webhookId, "webhook id");
  return db.transaction(async (tx) => {
    const [current] = await tx.select().from(webhooks).where(eq(webhooks.id, id)).for("update");
    if (!current) throw new OrderhookError("not_found", { detail: `no webhook with id ${id}` });
    if (!current.active) {
      throw new OrderhookError("conflict", {
        detail: `webhook ${id} is revoked; create a new one instead of rotating it`,
      });
    }
    const token = generateToken();
    const [webhook] = await tx
      .update(webhooks)
      .set({ tokenHash: hashToken(token), tokenPrefix: tokenDisplayPrefix(token), rotatedAt: new Date() })
      .where(eq(webhooks.id, id))
      .returning();
    return { webhook: webhook!, token, previousTokenHash: current.tokenHash };
  });
}
