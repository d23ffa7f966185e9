import type { Sql } from "postgres";
import { ORDER_TABLE_COLUMNS } from "./order-columns";

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
 * Start-up check: Postgres answers and the orders table has every column of the Drizzle
 * table, those the worker writes among them. Connection errors pass through as they are;
 * schema errors name the fix.
 */
export async function checkDatabase(sql: Sql): Promise<void> {
  await sql`select 1`;
  try {
    await sql.unsafe(`select ${ORDER_TABLE_COLUMNS.join(", ")} from orders limit 0`);
  } catch (error) {
    throw new DatabaseNotReadyError(error);
  }
}
