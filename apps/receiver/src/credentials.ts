/** What the receiver knows about a webhook token, loaded from Postgres and kept in memory. */
export interface BrokerAccountRef {
  id: string;
  name: string;
  active: boolean;
}

export interface WebhookCredentials {
  webhookId: string;
  userId: string;
  /** The webhook's own broker account, used when the alert names none. */
  accountId: string;
  /** The owner's accounts, so `account` in an alert resolves without a query. */
  accounts: BrokerAccountRef[];
  /** Null: the receiver's default rate. */
  rateLimitPerSecond: number | null;
  /** HMAC key decoded from the signing secret; null when the webhook is unsigned. */
  signingKey: Buffer | null;
}

/** Resolves a token hash to live credentials, or null for unknown, revoked or inactive webhooks. */
export type CredentialLoader = (tokenHash: string) => Promise<WebhookCredentials | null>;
