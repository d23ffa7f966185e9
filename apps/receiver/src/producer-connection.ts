import { createRedis } from "@orderhook/queue";
import type { Redis } from "ioredis";

/**
 * A connection a request waits on. It fails fast — no offline queue, one retry, every
 * command bounded by `timeoutMs` — so a request never waits on a Redis that is down; it
 * reconnects by itself. Commands on one connection reach Redis in the order they were sent,
 * which the releases after a failed admission or enqueue rely on.
 *
 * The receiver opens two: `queue` for BullMQ's add, and `admission` for the admission
 * script and the commit, which batches concurrent requests' commands into one socket write
 * (see `createTickBatch`). BullMQ's connection does not batch: ioredis's auto-pipelining
 * would copy BullMQ's ~50 scripts into a Pipeline on every flush.
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
