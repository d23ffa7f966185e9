import { once } from "node:events";
import type { RedisClient } from "./redis-client";

/**
 * Credential changes broadcast to every receiver replica, which drop the cached entry at
 * once instead of waiting for CREDENTIAL_CACHE_TTL_MS, and update their set of active token
 * hashes (a created or rotated webhook's new token is read from Postgres by its id).
 */
export interface WebhookEvent {
  type: "created" | "revoked" | "rotated" | "updated";
  webhookId: string;
  /** Hash of the token that stopped being valid (never the token); null when none did. */
  tokenHash: string | null;
  userId: string;
}

/**
 * An event as received: with the value of the change counter it was published under (null
 * from a publisher that predates the counter).
 */
export interface ReceivedWebhookEvent extends WebhookEvent {
  version: number | null;
}

export function webhookEventsChannel(prefix: string): string {
  return `${prefix}:webhook-events`;
}

/**
 * Counts every published credential change. Pub/sub delivers only to connected subscribers;
 * a receiver that finds the counter at another value than the last event it saw knows it
 * missed some, and reloads instead of trusting its cache.
 */
export function webhookEventsVersionKey(prefix: string): string {
  return `${prefix}:webhook-events:version`;
}

/**
 * KEYS[1] the change counter · ARGV[1] the channel · ARGV[2] the event JSON.
 * Reply: {version, receivers}. Counting and publishing in one script means no subscriber can
 * see the counter move without the event being on its way.
 */
const PUBLISH_LUA = `
local version = redis.call('INCR', KEYS[1])
local event = cjson.decode(ARGV[2])
event['version'] = version
return {version, redis.call('PUBLISH', ARGV[1], cjson.encode(event))}
`;

/**
 * Subscribes `subscriber` (a connection of its own) to the credential-events channel, once the
 * connection is ready. Subscribing earlier puts it in subscriber mode underneath ioredis's
 * ready check, whose INFO then fails ("Connection in subscriber mode"); the connection
 * reconnects and loses what was published meanwhile.
 */
export async function subscribeToWebhookEventsChannel(
  subscriber: RedisClient,
  prefix: string,
): Promise<string> {
  const channel = webhookEventsChannel(prefix);
  if (subscriber.status !== "ready") await once(subscriber, "ready");
  await subscriber.subscribe(channel);
  return channel;
}

/** Counts the change and publishes it; resolves with the number of receivers it reached. */
export async function publishWebhookEvent(
  redis: RedisClient,
  prefix: string,
  event: WebhookEvent,
): Promise<number> {
  const reply = (await redis.eval(
    PUBLISH_LUA,
    1,
    webhookEventsVersionKey(prefix),
    webhookEventsChannel(prefix),
    JSON.stringify(event),
  )) as [number, number];
  return reply[1];
}

/** The change counter now (0 before the first change, or after Redis lost it). */
export async function readWebhookEventsVersion(redis: RedisClient, prefix: string): Promise<number> {
  return Number((await redis.get(webhookEventsVersionKey(prefix))) ?? 0);
}

const TYPES: ReadonlySet<string> = new Set(["created", "revoked", "rotated", "updated"]);

export function parseWebhookEvent(message: string): ReceivedWebhookEvent | null {
  try {
    const value = JSON.parse(message) as Partial<ReceivedWebhookEvent>;
    if (typeof value.webhookId !== "string" || typeof value.userId !== "string") return null;
    if (typeof value.type !== "string" || !TYPES.has(value.type)) return null;
    return {
      type: value.type,
      webhookId: value.webhookId,
      userId: value.userId,
      tokenHash: typeof value.tokenHash === "string" ? value.tokenHash : null,
      version: Number.isSafeInteger(value.version) ? (value.version as number) : null,
    };
  } catch {
    return null;
  }
}
