import type { Sql } from "postgres";

export interface OrderAudit {
  acked: number;
  rows: number;
  /** Acked orderIds without a row: alerts orderhook promised and lost. */
  lost: string[];
  /** Rows of these users whose id was never acked: a doubled or phantom order. */
  unexpected: string[];
  /** Rows per status. */
  statuses: Record<string, number>;
}

/**
 * The accounting check that ends every fault scenario: each acked orderId must be exactly
 * one row, and no other rows may exist for the scenario's users.
 */
export async function auditOrders(
  sql: Sql,
  acked: readonly string[],
  userIds: readonly string[],
): Promise<OrderAudit> {
  const rows = await sql<{ id: string; status: string }[]>`
    select id, status from orders where user_id = any(${sql.array([...userIds])}::uuid[])`;
  const ackedSet = new Set(acked);
  const rowIds = new Set(rows.map((row) => row.id));
  const statuses: Record<string, number> = {};
  for (const row of rows) statuses[row.status] = (statuses[row.status] ?? 0) + 1;
  return {
    acked: ackedSet.size,
    rows: rows.length,
    lost: [...ackedSet].filter((id) => !rowIds.has(id)),
    unexpected: rows.filter((row) => !ackedSet.has(row.id)).map((row) => row.id),
    statuses,
  };
}
