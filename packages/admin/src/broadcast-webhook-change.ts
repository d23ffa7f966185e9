import { publishWebhookEvent, type RedisSettings, type WebhookEvent } from "@orderhook/queue";
import { connectRedis } from "./connect-redis";

export type BroadcastResult = { delivered: true; receivers: number } | { delivered: false; error: string };

/**
 * Tells every receiver replica about a webhook's change now (drop its cached credentials, add
 * or remove its token hash), and counts the change in Redis so a replica that was disconnected
 * finds out it missed one. A Redis outage is reported, not thrown: the database change already
 * stands, and receivers pick it up when their cache entry expires (CREDENTIAL_CACHE_TTL_MS) or,
 * for a new token, at their next reconciliation with Postgres (CREDENTIAL_RECONCILE_INTERVAL_MS).
 */
export async function broadcastWebhookChange(
  redis: string | RedisSettings,
  prefix: string,
  event: WebhookEvent | readonly WebhookEvent[],
  timeoutMs = 2_000,
): Promise<BroadcastResult> {
  const events: readonly WebhookEvent[] = Array.isArray(event) ? event : [event as WebhookEvent];
  if (events.length === 0) return { delivered: true, receivers: 0 };
  try {
    const connection = await connectRedis(redis, timeoutMs);
    try {
      // One event per webhook (a user's change concerns each of theirs), in order; `receivers` is
      // how many got every one of them.
      let receivers = Number.POSITIVE_INFINITY;
      for (const one of events)
        receivers = Math.min(receivers, await publishWebhookEvent(connection, prefix, one));
      return { delivered: true, receivers };
    } finally {
      connection.disconnect();
    }
  } catch (error) {
    return { delivered: false, error: (error as Error).message };
  }
}
