import type { RedisClient } from "@orderhook/queue";
import {
  parseWebhookEvent,
  type ReceivedWebhookEvent,
  readWebhookEventsVersion,
  subscribeToWebhookEventsChannel,
  webhookEventsChannel,
} from "@orderhook/queue";
import type { ActiveTokenLoader } from "./active-token-loader";
import type { ActiveTokens } from "./active-tokens";
import type { CredentialCache } from "./credential-cache";

export interface CredentialSyncDeps {
  /** A connection of its own: a subscribed connection can run nothing else. */
  subscriber: RedisClient;
  /** Any other connection, for reading the change counter. */
  redis: RedisClient;
  prefix: string;
  cache: CredentialCache;
  activeTokens: ActiveTokens;
  loader: ActiveTokenLoader;
  /** The active set is reloaded from Postgres this often, whatever the events said. */
  reconcileIntervalMs: number;
  /** How often the change counter is compared with the last event seen. */
  versionCheckIntervalMs?: number;
  onError?: (error: unknown, what: string) => void;
}

export interface CredentialSync {
  /** The change counter as of the last event applied or reload. */
  readonly version: number | null;
  /** Resolves once every event and reload queued so far has been applied. */
  settled(): Promise<void>;
  stop(): void;
}

/**
 * Keeps the active token set and the credential cache current on every receiver replica.
 *
 * - Each credential event (CLI revoke, rotate, create, update) drops matching cache entries at
 *   once, then updates the set from Postgres by the webhook's id (one query per event).
 * - Every event carries the value of a change counter kept in Redis. An event that skips a
 *   value, a counter that differs from the last event seen on two checks in a row, or a
 *   resubscription after the connection dropped means events were missed: the set is reloaded
 *   from Postgres and every cached entry dropped. While the subscription is down the cache is
 *   suspended (entries from before are reloaded before use), so a revocation published while
 *   this replica was disconnected cannot keep a token alive.
 * - Every `reconcileIntervalMs` the set is reloaded anyway (a change whose broadcast failed).
 *
 * Events, checks and reloads run one after another, so a reload never overwrites a newer event.
 */
export async function startCredentialSync(deps: CredentialSyncDeps): Promise<CredentialSync> {
  const { subscriber, redis, prefix, cache, activeTokens, loader } = deps;
  const channel = webhookEventsChannel(prefix);
  let seen: number | null = null;
  let mismatches = 0;
  let checkQueued = false;
  let stopped = false;
  let chain: Promise<void> = Promise.resolve();
  const report = (what: string) => (error: unknown) => deps.onError?.(error, what);
  const enqueue = (what: string, task: () => Promise<void>) => {
    chain = chain.then(task).catch(report(what));
    return chain;
  };

  async function resync(): Promise<void> {
    // Subscribed (again) first, so any change counted after the read below arrives as an event.
    await subscriber.subscribe(channel);
    const version = await readWebhookEventsVersion(redis, prefix);
    const missed = version !== seen;
    if (missed) activeTokens.replace(await loader.all());
    seen = version;
    mismatches = 0;
    if (subscriber.status === "ready") cache.resume(missed);
  }

  async function apply(event: ReceivedWebhookEvent): Promise<void> {
    if (event.version !== null && seen !== null && event.version > seen + 1) return resync();
    if (event.version !== null && (seen === null || event.version > seen)) seen = event.version;
    // Again here, after any reload queued before it that may have read the hash back.
    if (event.tokenHash !== null && event.type !== "created") activeTokens.delete(event.tokenHash);
    const current = await loader.ofWebhook(event.webhookId);
    if (current !== null) activeTokens.add(current);
  }

  subscriber.on("message", (from: string, message: string) => {
    if (from !== channel) return;
    const event = parseWebhookEvent(message);
    if (event === null) return;
    // At once, outside the queue: a revocation takes effect before anything else runs.
    cache.invalidate(event);
    if (event.tokenHash !== null && event.type !== "created") activeTokens.delete(event.tokenHash);
    void enqueue("credential event", () => apply(event));
  });
  subscriber.on("close", () => {
    if (!stopped) cache.suspend();
  });
  let subscribedOnce = false;
  subscriber.on("ready", () => {
    // ioredis resubscribes by itself after a reconnect; what was published meanwhile is lost.
    if (subscribedOnce && !stopped) void enqueue("resynchronisation", resync);
  });

  await subscribeToWebhookEventsChannel(subscriber, prefix);
  subscribedOnce = true;
  await resync();

  const versionTimer = setInterval(() => {
    if (checkQueued || redis.status !== "ready") return;
    checkQueued = true;
    void enqueue("change counter check", async () => {
      checkQueued = false;
      if ((await readWebhookEventsVersion(redis, prefix)) === seen) {
        mismatches = 0;
        return;
      }
      // Once may be an event still on its way; twice in a row is a missed one.
      if (++mismatches >= 2) await resync();
    });
  }, deps.versionCheckIntervalMs ?? 1_000);
  const reconcileTimer = setInterval(() => {
    void enqueue("active token reconciliation", async () => {
      activeTokens.replace(await loader.all());
    });
  }, deps.reconcileIntervalMs);
  versionTimer.unref();
  reconcileTimer.unref();

  return {
    get version() {
      return seen;
    },
    settled: () => chain,
    stop() {
      stopped = true;
      clearInterval(versionTimer);
      clearInterval(reconcileTimer);
    },
  };
}
