import type { Database } from "./client";
import { type Webhook, webhooks } from "./schema";
import { generateSigningSecret, issueToken } from "./token";

export interface NewWebhook {
  userId: string;
  accountId: string;
  name: string;
  /** Also issue a Standard Webhooks signing secret. */
  signed: boolean;
  /** The webhook's alert settings; left out, the defaults. */
  settings?: Partial<Pick<Webhook, "defaultQuantity" | "dedupWindowMs" | "maxLagSeconds">>;
}

/** The only moment the token (and signing secret) exist outside the sender's hands. */
export interface IssuedWebhook {
  webhook: Webhook;
  token: string;
  signingSecret: string | null;
}

/** Inserts a webhook with a fresh token, stored only hashed; the token and secret are returned this once. */
export async function insertWebhook(db: Database, input: NewWebhook): Promise<IssuedWebhook> {
  const { token, ...credentials } = issueToken();
  const signingSecret = input.signed ? generateSigningSecret() : null;
  const [webhook] = await db
    .insert(webhooks)
    .values({
      userId: input.userId,
      accountId: input.accountId,
      name: input.name,
      ...credentials,
      signingSecret,
      ...input.settings,
    })
    .returning();
  return { webhook: webhook!, token, signingSecret };
}
