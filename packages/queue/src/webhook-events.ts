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
