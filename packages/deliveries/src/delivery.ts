import type { OrderStatus } from "@orderhook/db";
import type { FieldError } from "@orderhook/errors";

/**
 * One request to a webhook as every view shows it (`GET /v1/deliveries`, `orderhook webhook log`,
 * the console): the receiver's record joined with the webhook's name and the order's current
 * status, read from Postgres when the log is read.
 */
export interface Delivery {
  /** `{stream entry id}.{webhook id}`: unique across a user's webhooks, and the cursor of the page after it. */
  id: string;
  receivedAt: string;
  requestId: string;
  webhookId: string;
  webhookName: string | null;
  /** "accepted", "replayed" or the problem's code. */
  outcome: string;
  httpStatus: number;
  orderId: string | null;
  /** The order's current status when there is an order: the worker's verdict, or `queued` before it. */
  orderStatus: OrderStatus | null;
  orderReason: string | null;
  errors: FieldError[];
  /** Milliseconds from the request to its answer (for an accepted alert: up to its admission script). */
  ackMs: number;
  clientIp: string;
  contentType: string | null;
  /** The first 4 KiB of the body as text; never a token or a signature. */
  bodyExcerpt: string;
}

export interface DeliveryQuery {
  /** Only this webhook's deliveries (one of the user's). */
  webhookId?: string | undefined;
  /** The `nextCursor` of the previous page. */
  cursor?: string | undefined;
  limit: number;
}

export interface DeliveryPage {
  deliveries: Delivery[];
  /** Pass as `cursor` for the next, older page; null on the last page. */
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
