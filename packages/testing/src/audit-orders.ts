import type { Sql } from "postgres";
import type { AlertTrafficReport } from "./alert-traffic";

export interface OrderAudit {
  /** Distinct orderIds answered 202 (or 200, replayed). */
  acked: number;
  rows: number;
  /** Acked orderIds without a row: alerts orderhook promised and lost. */
  lost: string[];
  /** Rows no request accounts for: a second row for one alert, or one nobody sent. */
  duplicated: string[];
  /** Rows whose request was answered with an error (4xx/5xx): the sender will retry it. */
  refusedButWritten: string[];
  /** Rows of requests that got no answer (client timeout, reset): kept, never confirmed. */
  unconfirmed: number;
  /** Rows per status. */
  statuses: Record<string, number>;
}

/**
 * The accounting check that ends every fault scenario: each acked orderId is exactly one row,
 * and every other row of the scenario's users belongs to a request whose answer was lost.
 * Rows are tied to requests by idempotency key, so give every alert its own.
 */
export async function auditOrders(
  sql: Sql,
  traffic: Pick<AlertTrafficReport, "acked" | "responses">,
  userIds: readonly string[],
): Promise<OrderAudit> {
  const rows = await sql<{ id: string; status: string; idempotency_key: string | null }[]>`
    select id, status, idempotency_key from orders where user_id = any(${sql.array([...userIds])}::uuid[])`;
  const acked = new Set(traffic.acked);
  const answerByKey = new Map<string, number>();
  for (const response of traffic.responses) {
    if (response.idempotencyKey !== null) answerByKey.set(response.idempotencyKey, response.status);
  }
  const rowIds = new Set(rows.map((row) => row.id));
  const audit: OrderAudit = {
    acked: acked.size,
    rows: rows.length,
    lost: [...acked].filter((id) => !rowIds.has(id)),
    duplicated: [],
    refusedButWritten: [],
    unconfirmed: 0,
    statuses: {},
  };
  const keysSeen = new Set<string>();
  for (const row of rows) {
    audit.statuses[row.status] = (audit.statuses[row.status] ?? 0) + 1;
    const key = row.idempotency_key;
    const secondForKey = key !== null && keysSeen.has(key);
    if (key !== null) keysSeen.add(key);
    if (acked.has(row.id) && !secondForKey) continue;
    const status = key === null || secondForKey ? undefined : answerByKey.get(key);
    if (status === 0) audit.unconfirmed++;
    else if (status !== undefined && status >= 400) audit.refusedButWritten.push(row.id);
    else audit.duplicated.push(row.id);
  }
  return audit;
}
