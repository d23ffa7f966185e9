import { brokerAccounts, type Database, users, webhooks } from "@orderhook/db";
import { and, eq, isNull } from "drizzle-orm";
import type { CredentialLoader } from "./credentials";
import { signingKey } from "./webhook-signature";

/**
 * One read-only query: the webhook with its alert settings, its owner (rate and burst) and the
 * owner's broker accounts. The settings ride in the cached credentials, so an alert reads them
 * from memory; a `webhook update` or `user update` event drops the entry and the next alert
 * loads them anew.
 */
export function createCredentialLoader(db: Database): CredentialLoader {
  return async function loadCredentials(tokenHash) {
    const rows = await db
      .select({
        webhookId: webhooks.id,
        userId: webhooks.userId,
        accountId: webhooks.accountId,
        signingSecret: webhooks.signingSecret,
        rateLimitPerSecond: users.rateLimitPerSecond,
        rateLimitBurst: users.rateLimitBurst,
        defaultQuantity: webhooks.defaultQuantity,
        dedupWindowMs: webhooks.dedupWindowMs,
        maxLagSeconds: webhooks.maxLagSeconds,
        account: { id: brokerAccounts.id, name: brokerAccounts.name, active: brokerAccounts.active },
      })
      .from(webhooks)
      .innerJoin(users, eq(users.id, webhooks.userId))
      .innerJoin(brokerAccounts, eq(brokerAccounts.userId, webhooks.userId))
      .where(and(eq(webhooks.tokenHash, tokenHash), eq(webhooks.active, true), isNull(webhooks.revokedAt)));
    const first = rows[0];
    if (first === undefined) return null;
    return {
      webhookId: first.webhookId,
      userId: first.userId,
      accountId: first.accountId,
      accounts: rows.map((row) => row.account),
      // The database's CHECK keeps rates positive; a row from before it is read as the default.
      rateLimitPerSecond:
        first.rateLimitPerSecond !== null && first.rateLimitPerSecond > 0 ? first.rateLimitPerSecond : null,
      rateLimitBurst: first.rateLimitBurst,
      // Postgres prints numeric as canonical decimal text: what parseDecimal returns for it.
      defaultQuantity: first.defaultQuantity,
      dedupWindowMs: first.dedupWindowMs,
      maxLagSeconds: first.maxLagSeconds,
      signingKey: first.signingSecret ? signingKey(first.signingSecret) : null,
    };
  };
}
