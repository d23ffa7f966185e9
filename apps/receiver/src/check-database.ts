import type { DbClient } from "@orderhook/db";

export class DatabaseNotReadyError extends Error {
  constructor(cause: unknown) {
    const reason = (cause as Error).message ?? String(cause);
    super(
      `Postgres is unreachable or not migrated (${reason}). Run "pnpm orderhook db migrate" against DATABASE_URL and start again.`,
      { cause },
    );
    this.name = "DatabaseNotReadyError";
  }
}

/**
 * Start-up check: every table and column the receiver reads exists. A missing migration
 * fails here with one clear message instead of as 503s on the first alerts.
 */
export async function checkDatabase(db: DbClient): Promise<void> {
  try {
    await db.sql`
      select w.id, w.user_id, w.account_id, w.signing_secret, w.active, w.revoked_at, w.token_hash,
             u.rate_limit_per_second, a.name, a.active,
             o.id, o.status, o.reason, o.processed_at, o.received_at
      from webhooks w, users u, broker_accounts a, orders o
      limit 0`;
  } catch (error) {
    throw new DatabaseNotReadyError(error);
  }
}
