import type { Sql } from "postgres";
import type { SteadyTraffic } from "./steady-traffic";

export interface OrderRowSummary {
  id: string;
  comment: string | null;
  status: string;
}

export interface Accounting {
  sent: number;
  /** Alerts that got at least one 2xx. */
  acked: number;
  rows: number;
  /** Acked orderIds with no row. */
  lost: number;
  /** Extra rows for one alert, plus alerts acknowledged under two different orderIds. */
  duplicated: number;
  /** Rows of alerts that never got a 2xx (the sender gave up after a 503 or a timeout). */
  landedWithoutAck: number;
  /** Rows by status. */
  statuses: Record<string, number>;
}

/** The users' rows whose comment starts with `tag` (every alert of one traffic run carries it). */
export async function loadOrderRows(sql: Sql, userIds: string[], tag: string): Promise<OrderRowSummary[]> {
  return sql<OrderRowSummary[]>`
    select id, comment, status from orders
    where user_id = any(${userIds}::uuid[]) and starts_with(comment, ${`${tag}-`})`;
}

/** Acked orderIds against rows: every acked alert has exactly one row under the acked id. */
export function accountFor(traffic: SteadyTraffic, rows: OrderRowSummary[]): Accounting {
  const acked = traffic.acked();
  const rowsById = new Map(rows.map((row) => [row.id, row]));
  const rowsPerComment = new Map<string, number>();
  const statuses: Record<string, number> = {};
  for (const row of rows) {
    const comment = row.comment ?? row.id;
    rowsPerComment.set(comment, (rowsPerComment.get(comment) ?? 0) + 1);
    statuses[row.status] = (statuses[row.status] ?? 0) + 1;
  }
  let lost = 0;
  let duplicated = 0;
  for (const ids of acked.values()) {
    if (ids.size > 1) duplicated += ids.size - 1;
    for (const id of ids) if (!rowsById.has(id)) lost++;
  }
  for (const count of rowsPerComment.values()) if (count > 1) duplicated += count - 1;
  let landedWithoutAck = 0;
  for (const comment of rowsPerComment.keys()) if (!acked.has(comment)) landedWithoutAck++;
  return {
    sent: traffic.sentCount,
    acked: acked.size,
    rows: rows.length,
    lost,
    duplicated,
    landedWithoutAck,
    statuses,
  };
}

/**
 * Polls until the users own at least `expected` rows of the run `tag` that are not `failed`,
 * or the deadline passes; the accounting check then says what is missing.
 */
export async function waitForRows(
  sql: Sql,
  userIds: string[],
  tag: string,
  expected: number,
  timeoutMs: number,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [row] = await sql<{ n: number }[]>`
      select count(*)::int as n from orders
      where user_id = any(${userIds}::uuid[]) and starts_with(comment, ${`${tag}-`}) and status <> 'failed'`;
    const n = row?.n ?? 0;
    if (n >= expected || Date.now() > deadline) return n;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
