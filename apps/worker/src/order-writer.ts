import { isStorableTime, toStorable, toStorableText } from "@orderhook/alert";
import type { OrderStatus } from "@orderhook/db";
import { type OrderReasonCode, orderReason, orderReasonCodeOf } from "@orderhook/errors";
import type { Sql } from "postgres";
import { ORDER_INSERT_COLUMNS, ORDER_INSERT_VALUES, ORDER_RECORD, type OrderRow } from "./order-columns";
import { bareRow } from "./order-row";
import { isRowError, sqlState } from "./transient-error";

/** `code` is the reason's code: the caller's for a row it wrote, the stored row's for an existing one. */
export type WriteOutcome =
  /** This call stored the row (or turned an earlier `failed` row into it). */
  | { kind: "written"; status: OrderStatus; reason: string | null; code: OrderReasonCode | null }
  /** The row was already there: the job ran before (lost lock, crash after commit). */
  | { kind: "existing"; status: OrderStatus; reason: string | null; code: OrderReasonCode | null }
  /** Postgres refused the row; a `rejected` row with the reason stands in for it. */
  | {
      kind: "refused";
      status: "rejected";
      reason: string;
      code: "invalid_order" | "duplicate_idempotency_key";
    }
  /** Not even a `rejected` row could be stored (its owner is gone). */
  | { kind: "unwritable"; reason: string; code: "invalid_order" };

export interface OrderWriterOptions {
  sql: Sql;
  /** Flush when this many rows wait… */
  maxBatchSize: number;
  /** …or when the oldest has waited this long. */
  maxWaitMs: number;
  /** Called after each INSERT round trip with the rows it carried. */
  onBatch?: (size: number, seconds: number) => void;
}

export interface OrderWriter {
  /** `code`: the code of the row's reason (null for an accepted row). */
  write(row: OrderRow, code?: OrderReasonCode | null): Promise<WriteOutcome>;
  /** Writes whatever waits and resolves when every batch in flight has settled. */
  flush(): Promise<void>;
  /** Statements this writer is waiting on. */
  busy(): number;
}

interface Entry {
  row: OrderRow;
  code: OrderReasonCode | null;
  resolve(outcome: WriteOutcome): void;
  reject(error: unknown): void;
}

// The whole batch travels as one JSON parameter: one prepared statement whatever the batch
// size, no 65,535-parameter ceiling, and JSON.stringify is the cheapest encoder Node has. The
// text is built once, from the Drizzle table (order-columns.ts).
const INSERT = `insert into orders (${ORDER_INSERT_COLUMNS})
select ${ORDER_INSERT_VALUES}
from json_to_recordset($1::text::json) as ${ORDER_RECORD}
on conflict do nothing
returning id`;

const EXISTING = `select id, status, reason from orders
where id in (select value::uuid from json_array_elements_text($1::text::json))`;

// A replayed job may finish what an exhausted one left `failed`; every other status is final.
const REVIVE = `update orders o set status = x.status, reason = x.reason, processed_at = now()
from json_to_recordset($1::text::json) as x(id uuid, status text, reason text)
where o.id = x.id and o.status = 'failed'
returning o.id`;

/**
 * Concurrent jobs hand their rows here and share multi-row INSERTs; each still learns its own
 * outcome, and a row Postgres refuses is found by splitting the batch, so it alone is rejected.
 */
export function createOrderWriter(options: OrderWriterOptions): OrderWriter {
  const { sql, maxBatchSize, maxWaitMs, onBatch } = options;
  let pending: Entry[] = [];
  let timer: NodeJS.Timeout | undefined;
  const inFlight = new Set<Promise<void>>();
  let busy = 0;

  async function query<T extends object>(text: string, value: unknown): Promise<T[]> {
    busy += 1;
    try {
      return await sql.unsafe<T[]>(text, [JSON.stringify(value)], { prepare: true });
    } finally {
      busy -= 1;
    }
  }

  function flushPending(): void {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    const done = writeBatch(batch)
      .catch((error: unknown) => {
        for (const entry of batch) entry.reject(error);
      })
      .finally(() => inFlight.delete(done));
    inFlight.add(done);
  }

  async function writeBatch(batch: Entry[]): Promise<void> {
    try {
      await insert(batch);
    } catch (error) {
      if (!isRowError(error)) {
        for (const entry of batch) entry.reject(error);
        return;
      }
      if (batch.length === 1) {
        await refuse(batch[0]!, error);
        return;
      }
      const half = Math.ceil(batch.length / 2);
      await writeBatch(batch.slice(0, half));
      await writeBatch(batch.slice(half));
    }
  }

  async function insert(batch: Entry[]): Promise<void> {
    const started = performance.now();
    const inserted = await query<{ id: string }>(
      INSERT,
      batch.map((e) => e.row),
    );
    onBatch?.(batch.length, (performance.now() - started) / 1000);
    const ids = new Set(inserted.map((r) => r.id));
    const rest: Entry[] = [];
    for (const entry of batch) {
      if (ids.has(entry.row.id)) {
        entry.resolve({
          kind: "written",
          status: entry.row.status,
          reason: entry.row.reason,
          code: entry.code,
        });
      } else {
        rest.push(entry);
      }
    }
    if (rest.length > 0) await settleConflicts(rest);
  }

  async function settleConflicts(rest: Entry[]): Promise<void> {
    const stored = await query<{ id: string; status: OrderStatus; reason: string | null }>(
      EXISTING,
      rest.map((e) => e.row.id),
    );
    const byId = new Map(stored.map((r) => [r.id, r]));
    const revive: Entry[] = [];
    const keyTaken: Entry[] = [];
    for (const entry of rest) {
      const row = byId.get(entry.row.id);
      if (row === undefined) keyTaken.push(entry);
      else if (row.status === "failed" && entry.row.status !== "failed") revive.push(entry);
      else entry.resolve(existingOutcome(row));
    }
    if (revive.length > 0) {
      const records = revive.map((e) => ({ id: e.row.id, status: e.row.status, reason: e.row.reason }));
      const revived = await query<{ id: string }>(REVIVE, records);
      const ids = new Set(revived.map((r) => r.id));
      for (const entry of revive) {
        const outcome = { status: entry.row.status, reason: entry.row.reason, code: entry.code };
        entry.resolve(
          ids.has(entry.row.id) ? { kind: "written", ...outcome } : { kind: "existing", ...outcome },
        );
      }
    }
    // The partial unique index on (user_id, idempotency_key) refused it: the sender reused an
    // explicit key after the receiver's window. The order is kept as rejected, without the key.
    if (keyTaken.length > 0) {
      await writeBatch(
        keyTaken.map((entry) => {
          const detail = `key ${JSON.stringify(entry.row.idempotency_key)} already used by an earlier order`;
          const reason = orderReason("duplicate_idempotency_key", detail).text;
          const row: OrderRow = { ...entry.row, idempotency_key: null, status: "rejected", reason };
          return standIn(entry, row, "duplicate_idempotency_key");
        }),
      );
    }
  }

  /**
   * Postgres refused this row: a `rejected` stand-in takes its place, storable (see
   * `storableRow`); if even that is refused, a bare one with only the order's identity, owner and
   * reason, so the sender's orderId still has its row (the failed job keeps the payload).
   */
  async function refuse(entry: Entry, error: unknown): Promise<void> {
    const reason = toStorableText(orderReason("invalid_order", (error as Error).message).text);
    const row: OrderRow = { ...storableRow(entry.row), status: "rejected", reason };
    if (sqlState(error) === "23503") {
      row.account_id = null;
      row.webhook_id = null;
    }
    try {
      await insert([standIn(entry, row)]);
      return;
    } catch (second) {
      if (!isRowError(second)) {
        entry.reject(second);
        return;
      }
      const bare = bareRow(
        {
          ...row,
          raw_payload: {},
          received_at: isStorableTime(row.received_at) ? row.received_at : Date.now(),
        },
        `${reason}; stored without its fields: ${(second as Error).message}`,
      );
      if (sqlState(second) === "23503") {
        bare.account_id = null;
        bare.webhook_id = null;
      }
      try {
        await insert([standIn(entry, bare)]);
      } catch (third) {
        if (isRowError(third)) entry.resolve({ kind: "unwritable", reason, code: "invalid_order" });
        else entry.reject(third);
      }
    }
  }

  return {
    write(row, code = null) {
      return new Promise<WriteOutcome>((resolve, reject) => {
        pending.push({ row, code, resolve, reject });
        if (pending.length >= maxBatchSize) flushPending();
        else if (timer === undefined) timer = setTimeout(flushPending, maxWaitMs);
      });
    },
    async flush() {
      flushPending();
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
    busy: () => busy,
  };
}

/** An existing row's outcome; its code is read back from the stored reason. */
function existingOutcome(row: { status: OrderStatus; reason: string | null }): WriteOutcome {
  return { kind: "existing", status: row.status, reason: row.reason, code: orderReasonCodeOf(row.reason) };
}

/** Reports a stand-in row's outcome as the original's refusal. */
function standIn(
  original: Entry,
  row: OrderRow,
  code: "invalid_order" | "duplicate_idempotency_key" = "invalid_order",
): Entry {
  return {
    row,
    code,
    resolve(outcome) {
      if (outcome.kind === "written")
        original.resolve({ kind: "refused", status: "rejected", reason: row.reason!, code });
      else original.resolve(outcome);
    },
    reject: original.reject,
  };
}

/**
 * The row as Postgres can store it, by the rule the receiver enforces (`@orderhook/alert`'s
 * storable): unstorable characters in text and JSON become U+FFFD, an alert time outside
 * the range is dropped. Only for rows that record a refusal.
 */
function storableRow(row: OrderRow): OrderRow {
  return {
    ...row,
    idempotency_key: row.idempotency_key === null ? null : toStorableText(row.idempotency_key),
    ticker: toStorableText(row.ticker),
    action: toStorableText(row.action),
    order_type: toStorableText(row.order_type),
    time_in_force: toStorableText(row.time_in_force),
    take_profit: toStorable(row.take_profit),
    stop_loss: toStorable(row.stop_loss),
    sentiment: row.sentiment === null ? null : toStorableText(row.sentiment),
    comment: row.comment === null ? null : toStorableText(row.comment),
    alert_time: row.alert_time !== null && isStorableTime(row.alert_time) ? row.alert_time : null,
    raw_payload: toStorable(row.raw_payload),
    reason: row.reason === null ? null : toStorableText(row.reason),
  };
}
