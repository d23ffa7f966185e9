import { createRedisClient, type RedisClient, type RedisSettings } from "@orderhook/queue";

/**
 * A connection a request waits on. It fails fast — no offline queue, one retry, every
 * command bounded by `timeoutMs` — so a request never waits on a Redis that is down; it
 * reconnects by itself. A retried admission script is safe: if its first run queued the job,
 * the second finds the idempotency key and answers with the same order id.
 *
 * The receiver opens two: `admission` for the admission-and-enqueue script, one call per shard
 * for the alerts of an event-loop turn (ADR 5), and `queue` for BullMQ's reads (order status,
 * readiness, dashboard). On a Redis
 * Cluster each is a cluster client with these semantics for every node connection it opens.
 */
export function createProducerConnection(
  redis: string | RedisSettings,
  timeoutMs: number,
  role: "queue" | "admission" = "queue",
): RedisClient {
  const settings = typeof redis === "string" ? { REDIS_URL: redis } : redis;
  return createRedisClient(settings, {
    connectionName: role === "queue" ? "orderhook-receiver" : "orderhook-receiver-admission",
    commandTimeout: timeoutMs,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    retryStrategy: (attempt) => Math.min(attempt * 100, 2_000),
  });
}
