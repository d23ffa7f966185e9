import { type Database, webhooks } from "@orderhook/db";
import { and, eq, isNull } from "drizzle-orm";

export interface ActiveTokenLoader {
  /** Every active, unrevoked webhook's token hash: one query, at start and per reconciliation. */
  all(): Promise<string[]>;
  /** The webhook's token hash when it is active and unrevoked, else null (one query per credential event). */
  ofWebhook(webhookId: string): Promise<string | null>;
}

export function createActiveTokenLoader(db: Database): ActiveTokenLoader {
  const usable = and(eq(webhooks.active, true), isNull(webhooks.revokedAt));
  return {
    async all() {
      const rows = await db.select({ tokenHash: webhooks.tokenHash }).from(webhooks).where(usable);
      return rows.map((row) => row.tokenHash);
    },
    async ofWebhook(webhookId) {
      const [row] = await db
        .select({ tokenHash: webhooks.tokenHash })
        .from(webhooks)
        .where(and(eq(webhooks.id, webhookId), usable))
        .limit(1);
      return row?.tokenHash ?? null;
    },
  };
}
