import { type Database, type OrderStatus, orders } from "@orderhook/db";
import { type OrderQueue, type QueueShards, queueShards } from "@orderhook/queue";
import { and, eq } from "drizzle-orm";

/** Decimals are strings, digit for digit as the sender wrote them (canonicalized as Postgres prints them). */
export interface OrderStatusView {
  orderId: string;
  status: OrderStatus;
  reason: string | null;
  ticker: string;
  action: string;
  quantity: string | null;
  orderType: string;
  limitPrice: string | null;
  stopPrice: string | null;
  timeInForce: string;
  takeProfit: unknown;
  stopLoss: unknown;
  signalPrice: string | null;
  sentiment: string | null;
  alertTime: string | null;
  accountId: string | null;
  receivedAt: string;
  processedAt: string | null;
}

/** Jobs of receivers from before exact decimals carry numbers. */
function decimalText(value: string | number | null): string | null {
  return typeof value === "number" ? String(value) : value;
}

function isoTime(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

export type OrderStatusReader = (userId: string, orderId: string) => Promise<OrderStatusView | null>;

// `failed` is not final: `pnpm orderhook jobs retry` can still turn the order accepted.
const FINAL: ReadonlySet<OrderStatus> = new Set(["accepted", "rejected"]);
const MAX_CACHED_FINAL = 10_000;

/**
 * While the job is in Redis its state is the truth (waiting/delayed → queued, active →
 * processing); once the worker has written the row, the row is. Final statuses never
 * change, so they are kept in memory.
 */
export function createOrderStatusReader(
  db: Database,
  queues: OrderQueue | readonly OrderQueue[],
  shards?: QueueShards,
): OrderStatusReader {
  const finals = new Map<string, { userId: string; view: OrderStatusView }>();
  const byShard: readonly OrderQueue[] = Array.isArray(queues) ? queues : [queues as OrderQueue];
  const layout = shards ?? queueShards("", byShard.length);
  // A user's jobs are on their shard; while the shard count changes, maybe still on the old one.
  async function findJob(userId: string, orderId: string) {
    const job = await byShard[layout.of(userId)]!.getJob(orderId);
    if (job !== undefined) return job;
    const previous = layout.previousOf(userId);
    return previous === null ? undefined : byShard[previous]!.getJob(orderId);
  }

  return async function readOrderStatus(userId, orderId) {
    const cached = finals.get(orderId);
    if (cached !== undefined) return cached.userId === userId ? cached.view : null;

    const job = await findJob(userId, orderId);
    if (job !== undefined && job.data.userId === userId) {
      const state = await job.getState();
      if (state !== "completed" && state !== "failed" && state !== "unknown") {
        const { alert } = job.data;
        return {
          orderId,
          status: state === "active" ? "processing" : "queued",
          reason: null,
          ticker: alert.ticker,
          action: alert.action,
          quantity: decimalText(alert.quantity),
          orderType: alert.orderType,
          limitPrice: decimalText(alert.limitPrice),
          stopPrice: decimalText(alert.stopPrice),
          timeInForce: alert.timeInForce,
          takeProfit: alert.takeProfit,
          stopLoss: alert.stopLoss,
          signalPrice: decimalText(alert.signalPrice),
          sentiment: alert.sentiment,
          alertTime: isoTime(alert.alertTime),
          accountId: job.data.accountId,
          receivedAt: new Date(job.data.receivedAt).toISOString(),
          processedAt: null,
        };
      }
    }

    const [row] = await db
      .select()
      .from(orders)
      .where(and(eq(orders.id, orderId), eq(orders.userId, userId)))
      .limit(1);
    if (row === undefined) return null;
    const view: OrderStatusView = {
      orderId,
      status: row.status,
      reason: row.reason,
      ticker: row.ticker,
      action: row.action,
      quantity: row.quantity,
      orderType: row.orderType,
      limitPrice: row.limitPrice,
      stopPrice: row.stopPrice,
      timeInForce: row.timeInForce,
      takeProfit: row.takeProfit,
      stopLoss: row.stopLoss,
      signalPrice: row.signalPrice,
      sentiment: row.sentiment,
      alertTime: row.alertTime?.toISOString() ?? null,
      accountId: row.accountId,
      receivedAt: row.receivedAt.toISOString(),
      processedAt: row.processedAt?.toISOString() ?? null,
    };
    if (FINAL.has(row.status)) {
      if (finals.size >= MAX_CACHED_FINAL) finals.clear();
      finals.set(orderId, { userId, view });
    }
    return view;
  };
}
