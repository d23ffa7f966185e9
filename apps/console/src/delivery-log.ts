import type { OrderStatus } from "@orderhook/db";
import type { FieldError } from "@orderhook/errors";

/**
 * The deliveries log as the console reads it (issue #15): every request to one of a user's
 * webhooks, whatever its outcome, kept in Redis by the receiver and joined with the worker's
 * verdict. The console renders whatever a `DeliveryLog` returns; `deliveryLogNotEnabled` is what
 * it has until the log exists, and the Deliveries page then says so. The log's implementation
 * plugs in through `ConsoleAppDeps.deliveryLog` (pages) and a `ConsoleEventSource` of
 * "delivery" events (live updates); see docs/console.md.
 */
export interface Delivery {
  /** The entry's id in the log, also the cursor of the page after it. */
  id: string;
  receivedAt: string;
  requestId: string;
  webhookId: string;
  webhookName: string | null;
  /** "accepted", "replayed" or the problem's code. */
  outcome: string;
  httpStatus: number;
  orderId: string | null;
  /** The order's current status when there is an order (the worker's verdict joined in). */
  orderStatus: OrderStatus | null;
  orderReason: string | null;
  errors: FieldError[];
  /** Milliseconds from the request to the answer. */
  ackMs: number;
  clientIp: string;
  contentType: string | null;
  /** The first 4 KiB of the body as text; never a token or a signature. */
  bodyExcerpt: string;
}

export interface DeliveryQuery {
  webhookId?: string | undefined;
  /** The `nextCursor` of the previous page. */
  cursor?: string | undefined;
  limit: number;
}

export interface DeliveryPage {
  deliveries: Delivery[];
  nextCursor: string | null;
}

/** One minute of a webhook's (or all of a user's webhooks') last hour. */
export interface DeliveryMinute {
  start: string;
  /** Requests by outcome ("accepted", "replayed", a problem code). */
  outcomes: Record<string, number>;
  ackP50Ms: number | null;
  ackP99Ms: number | null;
}

export interface DeliveryLog {
  /** The user's deliveries, newest first; null while the deliveries log is not enabled. */
  recent(userId: string, query: DeliveryQuery): Promise<DeliveryPage | null>;
  /** Outcomes and ack latency per minute over the last hour; null while not enabled. */
  lastHour(userId: string, webhookId: string | null): Promise<DeliveryMinute[] | null>;
}

/** The deliveries log before it exists: nothing to show, and the page says so. */
export const deliveryLogNotEnabled: DeliveryLog = {
  recent: async () => null,
  lastHour: async () => null,
};
