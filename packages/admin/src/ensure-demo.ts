import {
  type BrokerAccount,
  brokerAccounts,
  type Database,
  issueToken,
  type User,
  users,
  type Webhook,
  webhooks,
} from "@orderhook/db";
import { and, asc, eq, sql } from "drizzle-orm";

export const DEMO_EMAIL = "demo@orderhook.local";
const DEMO_ACCOUNT_NAME = "demo";
const DEMO_WEBHOOK_NAME = "demo";

/** Arbitrary constant: concurrent `demo` runs take turns instead of creating two webhooks. */
const DEMO_LOCK_ID = 7_260_118_302;

export interface DemoSetup {
  user: User;
  account: BrokerAccount;
  webhook: Webhook;
  /** The token this run issued; null when `keepToken` left a working one in place. */
  token: string | null;
  /** Hash of the token this run replaced, null when the webhook is new (or kept its token). */
  previousTokenHash: string | null;
}

export interface EnsureDemoOptions {
  /**
   * Issue a token only when the demo webhook has none that works (it is new or was revoked),
   * so a token printed by an earlier run keeps working (`pnpm dev` ensures the demo this way).
   */
  keepToken?: boolean;
}

/**
 * Ensures the demo user, paper account and webhook exist and are active. Tokens are stored
 * only hashed, so a later run cannot show the earlier token: each run issues a fresh token
 * on the same webhook, and the previous one stops working — unless `keepToken` is set.
 */
export async function ensureDemo(db: Database, options: EnsureDemoOptions = {}): Promise<DemoSetup> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${DEMO_LOCK_ID})`);
    await tx
      .insert(users)
      .values({ email: DEMO_EMAIL, name: "Demo trader" })
      .onConflictDoNothing({ target: users.email });
    const [user] = await tx.select().from(users).where(eq(users.email, DEMO_EMAIL));
    await tx
      .insert(brokerAccounts)
      .values({ userId: user!.id, name: DEMO_ACCOUNT_NAME, broker: "paper" })
      .onConflictDoUpdate({
        target: [brokerAccounts.userId, brokerAccounts.name],
        set: { active: true },
      });
    const [account] = await tx
      .select()
      .from(brokerAccounts)
      .where(and(eq(brokerAccounts.userId, user!.id), eq(brokerAccounts.name, DEMO_ACCOUNT_NAME)));

    const [existing] = await tx
      .select()
      .from(webhooks)
      .where(and(eq(webhooks.accountId, account!.id), eq(webhooks.name, DEMO_WEBHOOK_NAME)))
      .orderBy(asc(webhooks.createdAt))
      .limit(1);
    if (existing?.active && options.keepToken) {
      return { user: user!, account: account!, webhook: existing, token: null, previousTokenHash: null };
    }
    const { token, ...credentials } = issueToken();
    if (existing) {
      const [webhook] = await tx
        .update(webhooks)
        .set({ ...credentials, active: true, revokedAt: null, rotatedAt: new Date() })
        .where(eq(webhooks.id, existing.id))
        .returning();
      return {
        user: user!,
        account: account!,
        webhook: webhook!,
        token,
        previousTokenHash: existing.tokenHash,
      };
    }
    const [webhook] = await tx
      .insert(webhooks)
      .values({ userId: user!.id, accountId: account!.id, name: DEMO_WEBHOOK_NAME, ...credentials })
      .returning();
    return { user: user!, account: account!, webhook: webhook!, token, previousTokenHash: null };
  });
}
