import { brokerAccounts, type Database, webhooks } from "@orderhook/db";
import { and, desc, eq } from "drizzle-orm";
import { isUuid } from "./user-scope";

/** A webhook as its owner sees it: never its token, its token's hash or its signing secret. */
export interface UserWebhook {
  id: string;
  name: string;
  accountId: string;
  accountName: string;
  /** First characters of the token, to recognise it. */
  tokenPrefix: string;
  signed: boolean;
  active: boolean;
  defaultQuantity: string | null;
  dedupWindowMs: number | null;
  maxLagSeconds: number | null;
  createdAt: Date;
  rotatedAt: Date | null;
  revokedAt: Date | null;
}

const columns = {
  id: webhooks.id,
  name: webhooks.name,
  accountId: webhooks.accountId,
  accountName: brokerAccounts.name,
  tokenPrefix: webhooks.tokenPrefix,
  signingSecret: webhooks.signingSecret,
  active: webhooks.active,
  defaultQuantity: webhooks.defaultQuantity,
  dedupWindowMs: webhooks.dedupWindowMs,
  maxLagSeconds: webhooks.maxLagSeconds,
  createdAt: webhooks.createdAt,
  rotatedAt: webhooks.rotatedAt,
  revokedAt: webhooks.revokedAt,
};

function view({ signingSecret, ...row }: { signingSecret: string | null } & Omit<UserWebhook, "signed">) {
  return { ...row, signed: signingSecret !== null };
}

/** One user's webhooks, active ones first, newest first. */
export async function listUserWebhooks(db: Database, userId: string): Promise<UserWebhook[]> {
  if (!isUuid(userId)) return [];
  const rows = await db
    .select(columns)
    .from(webhooks)
    .innerJoin(brokerAccounts, eq(brokerAccounts.id, webhooks.accountId))
    .where(eq(webhooks.userId, userId))
    .orderBy(desc(webhooks.active), desc(webhooks.createdAt))
    .limit(1_000);
  return rows.map(view);
}

/** One of the user's webhooks; null when there is none with that id or it is another user's. */
export async function getUserWebhook(
  db: Database,
  userId: string,
  webhookId: string,
): Promise<UserWebhook | null> {
  if (!isUuid(userId) || !isUuid(webhookId)) return null;
  const [row] = await db
    .select(columns)
    .from(webhooks)
    .innerJoin(brokerAccounts, eq(brokerAccounts.id, webhooks.accountId))
    .where(and(eq(webhooks.id, webhookId), eq(webhooks.userId, userId)))
    .limit(1);
  return row === undefined ? null : view(row);
}
