import { parseWebhookEvent, subscribeToWebhookEventsChannel, webhookEventsChannel } from "@orderhook/queue";
import type { Redis } from "ioredis";
import type { CredentialCache } from "./credential-cache";

/**
 * Listens on the credential-events channel (on a connection of its own: a subscribed
 * connection can run nothing else) and drops cached credentials the CLI revoked, rotated
 * or changed — how a revocation reaches every replica within a round trip. Messages missed
 * while disconnected are covered by marking the whole cache stale on every (re)subscribe.
 */
export async function subscribeToWebhookEvents(
  subscriber: Redis,
  prefix: string,
  cache: CredentialCache,
): Promise<void> {
  const channel = webhookEventsChannel(prefix);
  subscriber.on("message", (from: string, message: string) => {
    if (from !== channel) return;
    const event = parseWebhookEvent(message);
    if (event !== null) cache.invalidate(event);
  });
  let subscribedOnce = false;
  subscriber.on("ready", () => {
    // ioredis resubscribes by itself after a reconnect; what was published meanwhile is lost.
    if (subscribedOnce) cache.expireAll();
  });
  await subscribeToWebhookEventsChannel(subscriber, prefix);
  subscribedOnce = true;
}
