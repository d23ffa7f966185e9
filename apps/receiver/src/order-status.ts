import { type Database, type OrderStatus, orders } from "@orderhook/db";
import type { OrderQueue } from "@orderhook/queue";
import { and, eq } from "drizzle-orm";

export interface OrderStatusView {
  orderId: string;
  status: OrderStatus;
  reason: string | null;
  ticker: string;
  action: string;
  quantity: number | null;
  accountId: string | null;
  receivedAt: string;
  processedAt: string | null;
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
export function createOrderStatusReader(db: Database, queue: OrderQueue): OrderStatusReader {
  const finals = new Map<string, { userId: string; view: OrderStatusView }>();

  return async function readOrderStatus(userId, orderId) {
    const cached = finals.get(orderId);
    if (cached !== undefined) return cached.userId === userId ? cached.view : null;

    const job = await queue.getJob(orderId);
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
          quantity: alert.quantity,
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
