import { brokerAccounts, type Database, type IssuedWebhook, insertWebhook } from "@orderhook/db";
import { OrderhookError } from "@orderhook/errors";
import { eq } from "drizzle-orm";
import { requireName, requireUuid } from "./arguments";
import { readWebhookSettings, type WebhookSettingsInput } from "./webhook-settings";

export type { IssuedWebhook };

export interface CreateWebhookInput extends WebhookSettingsInput {
  accountId: string;
  name?: string | undefined;
  /** Also generate a Standard Webhooks signing secret, which senders must then sign with. */
  signingSecret?: boolean | undefined;
}

export async function createWebhook(db: Database, input: CreateWebhookInput): Promise<IssuedWebhook> {
  const accountId = requireUuid(input.accountId, "account id");
  const name = requireName(input.name ?? "default", "webhook name");
  const settings = readWebhookSettings(input);
  const [account] = await db.select().from(brokerAccounts).where(eq(brokerAccounts.id, accountId)).limit(1);
  if (!account) throw new OrderhookError("not_found", { detail: `no broker account with id ${accountId}` });
  return insertWebhook(db, {
    userId: account.userId,
    accountId: account.id,
    name,
    signed: input.signingSecret === true,
    settings,
  });
}
