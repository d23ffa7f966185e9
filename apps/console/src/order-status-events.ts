import type { Database, OrderStatus } from "@orderhook/db";
import { sql } from "drizzle-orm";
import type { ConsoleEventListener, ConsoleEventSource, OrderChange } from "./console-events";

export interface OrderStatusEventsOptions {
  db: Database;
  /** CONSOLE_POLL_INTERVAL_MS: how often Postgres is asked, while anyone listens. */
  intervalMs: number;
  /** A failed poll (Postgres down): the next one tries again. */
  onError?: (error: unknown) => void;
}

/**
 * Rows are read again for this long after the previous poll's database time: created_at is the
 * writing transaction's start, and a row is only visible at its commit, a little later.
 */
const COMMIT_LAG = "5 seconds";
/** Newest rows per user and poll: a page shows the newest, so a flood costs a bounded read. */
const ROWS_PER_USER = 100;
const MAX_REMEMBERED = 50_000;
const MAX_WATCHED_FAILED = 10_000;

interface ChangedRow extends Omit<OrderChange, "receivedAt" | "processedAt"> {
  userId: string;
  receivedAt: string;
  processedAt: string | null;
}

const COLUMNS = sql.raw(`o.id, o.user_id as "userId", o.status, o.reason, o.ticker, o.action,
  o.quantity::text as quantity, o.order_type as "orderType", w.name as "webhookName",
  o.received_at as "receivedAt", o.processed_at as "processedAt"`);

function rows(value: unknown): ChangedRow[] {
  const parsed = typeof value === "string" ? JSON.parse(value) : value;
  return Array.isArray(parsed) ? (parsed as ChangedRow[]) : [];
}

function change(row: ChangedRow): OrderChange {
  return {
    id: row.id,
    status: row.status as OrderStatus,
    reason: row.reason,
    ticker: row.ticker,
    action: row.action,
    quantity: row.quantity,
    orderType: row.orderType,
    webhookName: row.webhookName,
    receivedAt: new Date(row.receivedAt).toISOString(),
    processedAt: row.processedAt === null ? null : new Date(row.processedAt).toISOString(),
  };
}

/**
 * Order status changes of the users whose pages are open, from Postgres: one query per interval
 * for all of them (the newest rows each user's index gives since the last poll, and the orders
 * last seen `failed`, which a replay can still turn `accepted`), only while someone listens.
 * Postgres gets no trigger and no LISTEN, so it works the same behind PgBouncer.
 */
export function createOrderStatusEvents(options: OrderStatusEventsOptions): ConsoleEventSource {
  const { db, intervalMs, onError } = options;
  const listeners = new Map<string, Set<ConsoleEventListener>>();
  /** Order id → the status last announced, so each change is announced once. */
  const announced = new Map<string, string>();
  /** Orders last seen `failed`, by id → user. */
  const failed = new Map<string, string>();
  let since: Date | null = null;
  let timer: NodeJS.Timeout | null = null;
  let closed = false;

  function remember(id: string, status: string) {
    announced.delete(id);
    announced.set(id, status);
    if (announced.size > MAX_REMEMBERED) announced.delete(announced.keys().next().value as string);
  }

  function announce(row: ChangedRow) {
    const key = `${row.status}\u0000${row.reason ?? ""}`;
    if (announced.get(row.id) === key) return;
    remember(row.id, key);
    if (row.status === "failed") {
      failed.set(row.id, row.userId);
      if (failed.size > MAX_WATCHED_FAILED) failed.delete(failed.keys().next().value as string);
    } else {
      failed.delete(row.id);
    }
    const event = { type: "order" as const, data: change(row) };
    for (const listener of listeners.get(row.userId) ?? []) {
      try {
        listener(event);
      } catch (error) {
        onError?.(error);
      }
    }
  }

  async function poll(): Promise<void> {
    const userIds = [...listeners.keys()].join(",");
    const failedIds = [...failed.keys()].join(",");
    const result = await db.execute(sql`
      select now() as at,
        coalesce((
          select json_agg(r) from (
            select ${COLUMNS}
            from unnest(string_to_array(${userIds}, ',')::uuid[]) as u(id)
            cross join lateral (
              select * from orders o2
              where o2.user_id = u.id
                and o2.created_at > coalesce(${since?.toISOString() ?? null}::timestamptz, now()) - interval '${sql.raw(COMMIT_LAG)}'
              order by o2.created_at desc
              limit ${ROWS_PER_USER}
            ) o
            left join webhooks w on w.id = o.webhook_id
            order by o.created_at
          ) r
        ), '[]'::json) as written,
        coalesce((
          select json_agg(r) from (
            select ${COLUMNS}
            from orders o left join webhooks w on w.id = o.webhook_id
            where o.id = any(string_to_array(${failedIds}, ',')::uuid[]) and o.status <> 'failed'
          ) r
        ), '[]'::json) as revived`);
    const [row] = result as unknown as { at: Date | string; written: unknown; revived: unknown }[];
    if (row === undefined) return;
    since = new Date(row.at);
    for (const written of rows(row.written)) announce(written);
    for (const revived of rows(row.revived)) announce(revived);
  }

  function schedule() {
    if (timer !== null || closed || listeners.size === 0) return;
    timer = setTimeout(async () => {
      try {
        await poll();
      } catch (error) {
        onError?.(error);
      }
      timer = null;
      if (listeners.size === 0) since = null;
      schedule();
    }, intervalMs);
    timer.unref();
  }

  return {
    subscribe(userId, listener) {
      let set = listeners.get(userId);
      if (set === undefined) {
        set = new Set();
        listeners.set(userId, set);
      }
      set.add(listener);
      schedule();
      return () => {
        set.delete(listener);
        if (set.size === 0 && listeners.get(userId) === set) listeners.delete(userId);
      };
    },
    async close() {
      closed = true;
      if (timer !== null) clearTimeout(timer);
      timer = null;
      listeners.clear();
    },
  };
}
