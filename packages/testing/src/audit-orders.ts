import type { Sql } from "postgres";
import type { SentAlert } from "./alert-traffic";

export interface OrderAudit {
  /** Alerts sent. */
  sent: number;
  /** Alerts answered 2xx (202, or 200 replayed) at least once. */
  acked: number;
  rows: number;
  /** Acked orderIds without a row: alerts orderhook promised and lost. */
  lost: string[];
  /** Rows no alert accounts for: a second row for one alert (kept without its key), or one nobody sent. */
  duplicated: string[];
  /** Rows of alerts whose last answer was an error (4xx/5xx): the sender will retry them. */
  refusedButWritten: string[];
  /** Rows of alerts whose last attempt got no answer (timeout, reset): kept, never confirmed. */
  unconfirmed: number;
  /** Rows per status. */
  statuses: Record<string, number>;
}

/**
 * The accounting check that ends every fault scenario: each acked orderId is exactly one row,
 * and every other row of the alerts' users belongs to an alert whose answer was lost or
 * refused. Rows are tied to alerts by idempotency key, so give every alert its own and give
 * the traffic users of its own.
 */
export async function auditOrders(
  sql: Sql,
  alerts: readonly SentAlert[],
  userIds: readonly string[],
): Promise<OrderAudit> {
  const rows = await sql<{ id: string; status: string; idempotency_key: string | null }[]>`
    select id, status, idempotency_key from orders where user_id = any(${sql.array([...userIds])}::uuid[])`;
  const acked = new Set<string>();
  const lastStatusByKey = new Map<string, number>();
  let ackedAlerts = 0;
  for (const alert of alerts) {
    const ids = alert.attempts.map((a) => a.orderId).filter((id): id is string => id !== null);
    for (const id of ids) acked.add(id);
    if (ids.length > 0) ackedAlerts++;
    const last = alert.attempts.at(-1);
    if (last !== undefined) lastStatusByKey.set(alert.idempotencyKey, last.status);
  }
  const rowIds = new Set(rows.map((row) => row.id));
  const audit: OrderAudit = {
    sent: alerts.length,
    acked: ackedAlerts,
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
    const status = key === null || secondForKey ? undefined : lastStatusByKey.get(key);
    if (status === 0) audit.unconfirmed++;
    else if (status !== undefined && status >= 400) audit.refusedButWritten.push(row.id);
    else audit.duplicated.push(row.id);
  }
  return audit;
}
