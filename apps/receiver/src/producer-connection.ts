import { createRedis } from "@orderhook/queue";
import type { Redis } from "ioredis";

/**
 * A connection a request waits on. It fails fast — no offline queue, one retry, every
 * command bounded by `timeoutMs` — so a request never waits on a Redis that is down; it
 * reconnects by itself. A retried admission script is safe: if its first run queued the job,
 * the second finds the idempotency key and answers with the same order id.
 *
 * The receiver opens two: `admission` for the admission-and-enqueue script, which batches
 * concurrent requests' scripts into one socket write (see `createTickBatch`), and `queue` for
 * BullMQ's reads (order status, readiness, dashboard). BullMQ's connection does not batch:
 * ioredis's auto-pipelining would copy BullMQ's ~50 scripts into a Pipeline on every flush.
 */
export function createProducerConnection(
  url: string,
  timeoutMs: number,
  role: "queue" | "admission" = "queue",
): Redis {
  return createRedis(url, {
    connectionName: role === "queue" ? "orderhook-receiver" : "orderhook-receiver-admission",
    commandTimeout: timeoutMs,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    retryStrategy: (attempt) => Math.min(attempt * 100, 2_000),
  });
}
