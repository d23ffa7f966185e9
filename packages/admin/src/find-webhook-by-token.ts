import { type Database, hashToken, isWellFormedToken, webhooks } from "@orderhook/db";
import { eq } from "drizzle-orm";

export interface TokenOwner {
  webhookId: string;
  userId: string;
  active: boolean;
}

/**
 * The webhook a token belongs to, found by its SHA-256 only (the token itself is stored nowhere),
 * or null for a malformed or unknown token. Revoked webhooks are returned with `active: false`.
 */
export async function findWebhookByToken(db: Database, token: string): Promise<TokenOwner | null> {
  if (!isWellFormedToken(token)) return null;
  const [row] = await db
    .select({ webhookId: webhooks.id, userId: webhooks.userId, active: webhooks.active })
    .from(webhooks)
    .where(eq(webhooks.tokenHash, hashToken(token)))
    .limit(1);
  return row ?? null;
}
