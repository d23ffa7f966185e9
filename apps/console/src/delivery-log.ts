import type { DeliveryMinute, DeliveryPage, DeliveryQuery, DeliveryReader } from "@orderhook/deliveries";

export type { Delivery, DeliveryMinute, DeliveryPage, DeliveryQuery } from "@orderhook/deliveries";

/**
 * The deliveries log as the console reads it (issue #15): every request to one of a user's
 * webhooks, whatever its outcome, kept in Redis by the receiver and joined with the worker's
 * verdict (`packages/deliveries`, docs/deliveries.md). The pages render whatever a `DeliveryLog`
 * returns; `deliveryLogNotEnabled` makes the Deliveries page say the log is off.
 */
export interface DeliveryLog {
  /** The user's deliveries, newest first; null while the deliveries log is not enabled. */
  recent(userId: string, query: DeliveryQuery): Promise<DeliveryPage | null>;
  /** Outcomes and ack latency per minute over the last hour; null while not enabled. */
  lastHour(userId: string, webhookId: string | null): Promise<DeliveryMinute[] | null>;
}

/** No deliveries log: nothing to show, and the page says so. */
export const deliveryLogNotEnabled: DeliveryLog = {
  recent: async () => null,
  lastHour: async () => null,
};

const EMPTY: DeliveryPage = { deliveries: [], nextCursor: null };

/**
 * The log in Redis, as `GET /v1/deliveries` and `orderhook webhook log` read it. The page checks
 * that a webhook id is the user's before asking; a cursor that is not one reads as the end.
 */
export function createDeliveryLog(reader: DeliveryReader): DeliveryLog {
  return {
    recent: async (userId, query) => (await reader.recent(userId, query)) ?? EMPTY,
    lastHour: async (userId, webhookId) => (await reader.lastHour(userId, webhookId)) ?? [],
  };
}
