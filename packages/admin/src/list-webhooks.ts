import { brokerAccounts, type Database, users, webhooks } from "@orderhook/db";
import { desc, eq } from "drizzle-orm";
import { getUserByEmail } from "./get-user-by-email";

export interface WebhookSummary {
  id: string;
  name: string;
  userEmail: string;
  accountId: string;
  accountName: string;
  /** First characters of the token, to recognise it; the token itself is not stored. */
  tokenPrefix: string;
  signed: boolean;
  active: boolean;
  createdAt: Date;
  rotatedAt: Date | null;
  revokedAt: Date | null;
}

/** Webhooks newest first, all of them or one user's: where `rotate` and `revoke` find their ids. */
export async function listWebhooks(db: Database, userEmail?: string): Promise<WebhookSummary[]> {
  const query = db
    .select({
      id: webhooks.id,
      name: webhooks.name,
      userEmail: users.email,
      accountId: webhooks.accountId,
      accountName: brokerAccounts.name,
      tokenPrefix: webhooks.tokenPrefix,
      signingSecret: webhooks.signingSecret,
      active: webhooks.active,
      createdAt: webhooks.createdAt,
      rotatedAt: webhooks.rotatedAt,
      revokedAt: webhooks.revokedAt,
    })
    .from(webhooks)
    .innerJoin(users, eq(users.id, webhooks.userId))
    .innerJoin(brokerAccounts, eq(brokerAccounts.id, webhooks.accountId));
  const filtered =
    userEmail === undefined
      ? query
      : query.where(eq(webhooks.userId, (await getUserByEmail(db, userEmail)).id));
  const rows = await filtered.orderBy(desc(webhooks.createdAt)).limit(1_000);
  return rows.map(({ signingSecret, ...row }) => ({ ...row, signed: signingSecret !== null }));
}
