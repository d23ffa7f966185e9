import { createRedis } from "@orderhook/queue";
import type { Redis } from "ioredis";

/**
 * The connection the admission script and the BullMQ add share. It fails fast — no offline
 * queue, one retry, every command bounded by `timeoutMs` — so a request never waits on a
 * Redis that is down; it reconnects by itself. Commands go out in order on this one
 * connection, which the release after a failed add relies on. No auto-pipelining: each
 * flush builds an ioredis Pipeline that copies all of BullMQ's ~50 scripts, which measured
 * dearer per request than the writes it saves at the target load (≈ 1 request in flight).
 */
export function createProducerConnection(url: string, timeoutMs: number): Redis {
  return createRedis(url, {
    connectionName: "orderhook-receiver",
    commandTimeout: timeoutMs,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    retryStrategy: (attempt) => Math.min(attempt * 100, 2_000),
  });
}
