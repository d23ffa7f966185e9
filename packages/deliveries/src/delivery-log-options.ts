import { type KeyPrefix, userKey } from "@orderhook/queue";

/** How much of the log is kept (DELIVERY_LOG_MAX_ENTRIES, DELIVERY_LOG_MAX_AGE_SECONDS). */
export interface DeliveryLogOptions {
  /** Redis key prefix (QUEUE_PREFIX), or the queue shards: a user's streams live in their shard. */
  prefix: KeyPrefix;
  /** Entries kept per webhook, about (trimmed with `~`, so up to a hundred more). 0: the log is off. */
  maxEntries: number;
  /** Entries older than this are trimmed on the next write and never read. */
  maxAgeMs: number;
}

/**
 * One webhook's stream. A per-user key (see `userKey`): the admission script writes it together
 * with the user's idempotency and rate keys, and a user's streams are read together.
 */
export function deliveryStreamKey(prefix: KeyPrefix, userId: string, webhookId: string): string {
  return `${userKey(prefix, userId, "deliveries")}:${webhookId}`;
}
