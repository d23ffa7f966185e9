import type { Sql } from "postgres";

export class DatabaseNotReadyError extends Error {
  constructor(cause: unknown) {
    super(
      `Postgres is unreachable or not migrated (${(cause as Error).message}). Run "pnpm orderhook db migrate" against DATABASE_URL and start again.`,
      { cause },
    );
    this.name = "DatabaseNotReadyError";
  }
}

/**
 * Start-up check: every table and column the console reads exists. A missing migration fails
 * here with one clear message instead of as error pages.
 */
export async function checkDatabase(sql: Sql): Promise<void> {
  try {
    await sql`
      select u.id, u.email, u.name,
             w.id, w.user_id, w.account_id, w.name, w.token_hash, w.token_prefix, w.signing_secret,
             w.active, w.rotated_at, w.revoked_at, w.default_quantity, w.dedup_window_ms, w.max_lag_seconds,
             a.name, o.id, o.status, o.reason, o.raw_payload, o.created_at, o.received_at, o.processed_at
      from users u, webhooks w, broker_accounts a, orders o
      limit 0`;
  } catch (error) {
    throw new DatabaseNotReadyError(error);
  }
}
