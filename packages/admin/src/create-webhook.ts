import {
  brokerAccounts,
  type Database,
  generateSigningSecret,
  issueToken,
  type Webhook,
  webhooks,
} from "@orderhook/db";
import { OrderhookError } from "@orderhook/errors";
import { eq } from "drizzle-orm";
import { requireName, requireUuid } from "./arguments";
import { readWebhookSettings, type WebhookSettingsInput } from "./webhook-settings";

export interface CreateWebhookInput extends WebhookSettingsInput {
  accountId: string;
  name?: string | undefined;
  /** Also generate a Standard Webhooks signing secret, which senders must then sign with. */
  signingSecret?: boolean | undefined;
}

/** The only moment the token (and signing secret) exist outside the sender's hands. */
export interface IssuedWebhook {
  webhook: Webhook;
  token: string;
  signingSecret: string | null;
}

export async function createWebhook(db: Database, input: CreateWebhookInput): Promise<IssuedWebhook> {
  const accountId = requireUuid(input.accountId, "account id");
  const name = requireName(input.name ?? "default", "webhook name");
  const settings = readWebhookSettings(input);
  const [account] = await db.select().from(brokerAccounts).where(eq(brokerAccounts.id, accountId)).limit(1);
  if (!account) throw new OrderhookError("not_found", { detail: `no broker account with id ${accountId}` });
  const { token, tokenHash, tokenPrefix } = issueToken();
  const signingSecret = input.signingSecret ? generateSigningSecret() : null;
  const [webhook] = await db
    .insert(webhooks)
    .values({
      userId: account.userId,
      accountId: account.id,
      name,
      tokenHash,
      tokenPrefix,
      signingSecret,
      ...settings,
    })
    .returning();
  return { webhook: webhook!, token, signingSecret };
}
