import { once } from "node:events";
import type { Redis } from "ioredis";

/**
 * Credential changes broadcast to every receiver replica, which drop the cached entry at
 * once instead of waiting for CREDENTIAL_CACHE_TTL_MS.
 */
export interface WebhookEvent {
  type: "revoked" | "rotated" | "updated";
  webhookId: string;
  /** Hash of the token that stopped being valid (never the token). */
  tokenHash: string | null;
  userId: string;
}

export function webhookEventsChannel(prefix: string): string {
  return `${prefix}:webhook-events`;
}

/**
 * Subscribes `subscriber` (a connection of its own) to the credential-events channel, once the
 * connection is ready. Subscribing earlier puts it in subscriber mode underneath ioredis's
 * ready check, whose INFO then fails ("Connection in subscriber mode"); the connection
 * reconnects and loses what was published meanwhile.
 */
export async function subscribeToWebhookEventsChannel(subscriber: Redis, prefix: string): Promise<string> {
  const channel = webhookEventsChannel(prefix);
  if (subscriber.status !== "ready") await once(subscriber, "ready");
  await subscriber.subscribe(channel);
  return channel;
}

export async function publishWebhookEvent(
  redis: Redis,
  prefix: string,
  event: WebhookEvent,
): Promise<number> {
  return redis.publish(webhookEventsChannel(prefix), JSON.stringify(event));
}

export function parseWebhookEvent(message: string): WebhookEvent | null {
  try {
    const value = JSON.parse(message) as Partial<WebhookEvent>;
    if (typeof value.webhookId !== "string" || typeof value.userId !== "string") return null;
    if (value.type !== "revoked" && value.type !== "rotated" && value.type !== "updated") return null;
    return {
      type: value.type,
      webhookId: value.webhookId,
      userId: value.userId,
      tokenHash: typeof value.tokenHash === "string" ? value.tokenHash : null,
    };
  } catch {
    return null;
  }
}
