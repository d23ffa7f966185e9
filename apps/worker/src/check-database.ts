import type { Sql } from "postgres";

export class DatabaseNotReadyError extends Error {
  constructor(cause: unknown) {
    super(
      `the orders table is missing or out of date (${(cause as Error).message}): run \`pnpm orderhook db migrate\``,
      { cause },
    );
    this.name = "DatabaseNotReadyError";
  }
}

/**
 * Start-up check: Postgres answers and the orders table has every column the worker
 * writes. Connection errors pass through as they are; schema errors name the fix.
 */
export async function checkDatabase(sql: Sql): Promise<void> {
  await sql`select 1`;
  try {
    await sql`select id, user_id, account_id, webhook_id, idempotency_key, ticker, action, quantity,
      order_type, limit_price, stop_price, time_in_force, take_profit, stop_loss, signal_price, sentiment,
      comment, alert_time, raw_payload, status, reason, received_at, processed_at
      from orders limit 0`;
  } catch (error) {
    throw new DatabaseNotReadyError(error);
  }
}
