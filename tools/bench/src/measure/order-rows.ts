import type { Sql } from "postgres";

export interface OrderRows {
  /** orders.id → when the row was written (epoch ms): the later of created_at (its transaction's
   * start) and processed_at, the closest the schema comes to the commit time. */
  writtenAt: Map<string, number>;
  total: number;
  /** Distinct `comment`s: every alert the harness sends carries a unique one. */
  distinctAlerts: number;
}

export async function loadOrderRows(sql: Sql, userIds: string[]): Promise<OrderRows> {
  const rows = await sql<{ id: string; comment: string | null; written_ms: string }[]>`
    select id, comment,
      extract(epoch from greatest(created_at, coalesce(processed_at, created_at))) * 1000 as written_ms
    from orders where user_id = any(${userIds}::uuid[])`;
  const writtenAt = new Map<string, number>();
  const comments = new Set<string | null>();
  for (const row of rows) {
    writtenAt.set(row.id, Number(row.written_ms));
    comments.add(row.comment ?? row.id);
  }
  return { writtenAt, total: rows.length, distinctAlerts: comments.size };
}

/**
 * Waits until the users own at least `expected` orders rows, polling. Gives up at the
 * deadline, or early when the count has not moved for `stallMs` (the worker is done or stuck:
 * the accounting check then reports what is missing).
 */
export async function waitForOrders(
  sql: Sql,
  userIds: string[],
  expected: number,
  options: { timeoutMs: number; stallMs: number },
): Promise<number> {
  const deadline = Date.now() + options.timeoutMs;
  let last = -1;
  let lastChange = Date.now();
  for (;;) {
    const [row] = await sql<{ n: number }[]>`
      select count(*)::int as n from orders where user_id = any(${userIds}::uuid[])`;
    const n = row?.n ?? 0;
    if (n >= expected) return n;
    if (n !== last) {
      last = n;
      lastChange = Date.now();
    }
    if (Date.now() > deadline || Date.now() - lastChange > options.stallMs) return n;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
