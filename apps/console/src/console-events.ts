import type { OrderStatus } from "@orderhook/db";
import type { Delivery } from "@orderhook/deliveries";

/** An order as it changed: written by the worker, or its status changed since (a failed order replayed). */
export interface OrderChange {
  id: string;
  status: OrderStatus;
  reason: string | null;
  ticker: string;
  action: string;
  /** Exact decimal text, as Postgres stores it. */
  quantity: string | null;
  orderType: string;
  webhookName: string | null;
  receivedAt: string;
  processedAt: string | null;
}

/**
 * What a user's open console pages are told over server-sent events, by name: order status
 * changes and new deliveries. The stream and the page script (static/console.js) pass events on
 * by `type`.
 */
export type ConsoleEvent = { type: "order"; data: OrderChange } | { type: "delivery"; data: Delivery };

export type ConsoleEventListener = (event: ConsoleEvent) => void;

/**
 * A source of live events for one user at a time. `subscribe` is called when a page of that
 * user's opens its event stream and the returned function when it closes; a source does work
 * only while someone listens.
 */
export interface ConsoleEventSource {
  subscribe(userId: string, listener: ConsoleEventListener): () => void;
  close(): Promise<void>;
}

/** Several sources as one: a subscriber gets every source's events for its user. */
export function combineEventSources(sources: readonly ConsoleEventSource[]): ConsoleEventSource {
  return {
    subscribe(userId, listener) {
      const unsubscribes = sources.map((source) => source.subscribe(userId, listener));
      return () => {
        for (const unsubscribe of unsubscribes) unsubscribe();
      };
    },
    async close() {
      await Promise.all(sources.map((source) => source.close()));
    },
  };
}
