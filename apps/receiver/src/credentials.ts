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
  /** The owner's alerts per second; null: the receiver's default rate. */
  rateLimitPerSecond: number | null;
  /** Alerts the owner may send at the same moment (the GCRA bucket); null: one second's worth (the rate). */
  rateLimitBurst: number | null;
  /** The webhook's quantity for buy/sell alerts without one (canonical decimal text); null: refused. */
  defaultQuantity: string | null;
  /** The webhook's body-hash dedup window (0: off); null: the receiver's DEDUP_WINDOW_MS. */
  dedupWindowMs: number | null;
  /** The webhook's bound on a timed alert's age (the alert's own maxLagSeconds wins); null: none. */
  maxLagSeconds: number | null;
  /** HMAC key decoded from the signing secret; null when the webhook is unsigned. */
  signingKey: Buffer | null;
}

/** Resolves a token hash to live credentials, or null for unknown, revoked or inactive webhooks. */
export type CredentialLoader = (tokenHash: string) => Promise<WebhookCredentials | null>;
