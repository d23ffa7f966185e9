import { brokerAccounts, type Database, users, type Webhook, webhooks } from "@orderhook/db";
import { OrderhookError } from "@orderhook/errors";
import { eq, getTableColumns } from "drizzle-orm";
import { requireUuid } from "./arguments";

/** A webhook with its owner and account by name, and the owner's rate limit, which its alerts count against. */
export type WebhookDetail = Webhook & {
  userEmail: string;
  accountName: string;
  rateLimitPerSecond: number | null;
  rateLimitBurst: number | null;
};

export async function getWebhook(db: Database, webhookId: string): Promise<WebhookDetail> {
  const id = requireUuid(webhookId, "webhook id");
  const [webhook] = await db
    .select({
      ...getTableColumns(webhooks),
      userEmail: users.email,
      accountName: brokerAccounts.name,
      rateLimitPerSecond: users.rateLimitPerSecond,
      rateLimitBurst: users.rateLimitBurst,
    })
    .from(webhooks)
    .innerJoin(users, eq(users.id, webhooks.userId))
    .innerJoin(brokerAccounts, eq(brokerAccounts.id, webhooks.accountId))
    .where(eq(webhooks.id, id))
    .limit(1);
  if (!webhook) throw new OrderhookError("not_found", { detail: `no webhook with id ${id}` });
  return webhook;
}
