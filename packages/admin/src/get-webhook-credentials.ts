import { type Database, webhooks } from "@orderhook/db";
import { and, eq } from "drizzle-orm";
import { isUuid } from "./user-scope";

/** What checking and signing a request for a webhook takes: for the server's use, never for display. */
export interface WebhookCredentials {
  tokenHash: string;
  /** Standard Webhooks secret (`whsec_…`); null for an unsigned webhook. */
  signingSecret: string | null;
  active: boolean;
}

/** One of the user's webhooks' credentials; null when it is not theirs. */
export async function getWebhookCredentials(
  db: Database,
  userId: string,
  webhookId: string,
): Promise<WebhookCredentials | null> {
  if (!isUuid(userId) || !isUuid(webhookId)) return null;
  const [row] = await db
    .select({ tokenHash: webhooks.tokenHash, signingSecret: webhooks.signingSecret, active: webhooks.active })
    .from(webhooks)
    .where(and(eq(webhooks.id, webhookId), eq(webhooks.userId, userId)))
    .limit(1);
  return row ?? null;
}
