import { publishWebhookEvent, type WebhookEvent } from "@orderhook/queue";
import { connectRedis } from "./connect-redis";

export type BroadcastResult = { delivered: true; receivers: number } | { delivered: false; error: string };

/**
 * Tells every receiver replica to drop a webhook's cached credentials now. A Redis outage
 * is reported, not thrown: the database change already stands, and receivers pick it up
 * when their cache entry expires (CREDENTIAL_CACHE_TTL_MS).
 */
export async function broadcastWebhookChange(
  redisUrl: string,
  prefix: string,
  event: WebhookEvent,
  timeoutMs = 2_000,
): Promise<BroadcastResult> {
  try {
    const redis = await connectRedis(redisUrl, timeoutMs);
    try {
      return { delivered: true, receivers: await publishWebhookEvent(redis, prefix, event) };
    } finally {
      redis.disconnect();
    }
  } catch (error) {
    return { delivered: false, error: (error as Error).message };
  }
}
