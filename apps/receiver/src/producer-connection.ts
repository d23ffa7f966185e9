import { createRedis } from "@orderhook/queue";
import type { Redis } from "ioredis";

/**
 * The connection the admission script and the BullMQ add share. It fails fast — no offline
 * queue, one retry, every command bounded by `timeoutMs` — so a request never waits on a
 * Redis that is down; it reconnects by itself. Auto-pipelining folds the commands of
 * concurrent requests into one write; order on the connection is kept, which the release
 * after a failed add relies on.
 */
export function createProducerConnection(url: string, timeoutMs: number): Redis {
  return createRedis(url, {
    connectionName: "orderhook-receiver",
    commandTimeout: timeoutMs,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    retryStrategy: (attempt) => Math.min(attempt * 100, 2_000),
    enableAutoPipelining: true,
  });
}
