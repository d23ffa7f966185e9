import { isStorableTime, toStorable, toStorableText } from "@orderhook/alert";
import type { OrderStatus } from "@orderhook/db";
import type { OrderReason } from "@orderhook/errors";
import type { OrderJob } from "@orderhook/queue";
import type { OrderRow } from "./order-columns";

export function orderRow(job: OrderJob, status: OrderStatus, reason: OrderReason | null = null): OrderRow {
  const { alert } = job;
  return {
    id: job.orderId,
    user_id: job.userId,
    account_id: job.accountId,
    webhook_id: job.webhookId,
    idempotency_key: job.idempotencyKey,
    ticker: alert.ticker,
    action: alert.action,
    quantity: alert.quantity,
    order_type: alert.orderType,
    limit_price: alert.limitPrice,
    stop_price: alert.stopPrice,
    time_in_force: alert.timeInForce,
    take_profit: alert.takeProfit,
    stop_loss: alert.stopLoss,
    signal_price: alert.signalPrice,
    sentiment: alert.sentiment,
    comment: alert.comment,
    alert_time: alert.alertTime,
    raw_payload: job.raw,
    status,
    reason: reason?.text ?? null,
    received_at: job.receivedAt,
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function field(source: unknown, key: string): unknown {
  return source !== null && typeof source === "object" ? (source as Record<string, unknown>)[key] : undefined;
}

/** At most `max` UTF-16 units, storable: a cut between the halves of a pair leaves no half behind. */
function text(value: unknown, max: number): string {
  return typeof value === "string" ? toStorableText(value.slice(0, max)) : "";
}

function uuid(value: unknown): string | null {
  return typeof value === "string" && UUID.test(value) ? value : null;
}

/**
 * What can be kept of a job that fails the contract, as a `rejected` row that Postgres can
 * store (its raw payload through `toStorable`): null when not even the row's key and owner
 * are usable (then only the failed job records it).
 */
export function salvageRow(
  orderId: string,
  data: unknown,
  reason: OrderReason,
  timestamp: number,
): OrderRow | null {
  const id = uuid(orderId);
  const userId = uuid(field(data, "userId"));
  if (id === null || userId === null) return null;
  const alert = field(data, "alert");
  const raw = field(data, "raw");
  const receivedAt = field(data, "receivedAt");
  return bareRow(
    {
      id,
      user_id: userId,
      account_id: uuid(field(data, "accountId")),
      webhook_id: uuid(field(data, "webhookId")),
      ticker: field(alert, "ticker") ?? field(raw, "ticker") ?? field(raw, "symbol"),
      action: field(alert, "action") ?? field(raw, "action"),
      order_type: field(alert, "orderType"),
      time_in_force: field(alert, "timeInForce"),
      raw_payload: toStorable(raw !== null && typeof raw === "object" ? raw : (data ?? {})),
      received_at: typeof receivedAt === "number" && isStorableTime(receivedAt) ? receivedAt : timestamp,
    },
    reason.text,
  );
}

/** What a refusal row keeps: the order, its owner, what it was in a few words, and its payload. */
export interface RowIdentity {
  id: string;
  user_id: string;
  account_id: string | null;
  webhook_id: string | null;
  ticker: unknown;
  action: unknown;
  order_type: unknown;
  time_in_force: unknown;
  /** Storable already. */
  raw_payload: unknown;
  received_at: number;
}

/** A `rejected` row with only what identifies the order, storable whatever the job held. */
export function bareRow(identity: RowIdentity, reason: string): OrderRow {
  return {
    id: identity.id,
    user_id: identity.user_id,
    account_id: identity.account_id,
    webhook_id: identity.webhook_id,
    idempotency_key: null,
    ticker: text(identity.ticker, 64),
    action: text(identity.action, 32),
    quantity: null,
    order_type: text(identity.order_type, 32),
    limit_price: null,
    stop_price: null,
    time_in_force: text(identity.time_in_force, 32),
    take_profit: null,
    stop_loss: null,
    signal_price: null,
    sentiment: null,
    comment: null,
    alert_time: null,
    raw_payload: identity.raw_payload,
    status: "rejected",
    reason: toStorableText(reason),
    received_at: identity.received_at,
  };
}
