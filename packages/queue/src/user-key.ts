import type { QueueShards } from "./queue-shards";

/** QUEUE_PREFIX as one string, or the queue shards (each user's keys then under their shard's prefix). */
export type KeyPrefix = string | QueueShards;

/**
 * The Redis key of one kind of a user's state (`{prefix}:idem:{userId}`, `…:rate:…`,
 * `…:deliveries:…`). Every per-user key is built here, so the keys one admission script
 * touches stay together: under the user's queue shard, whose prefix carries the hash tag that
 * puts them on the slot of that shard's queue (one Redis Cluster node, one atomic script).
 */
export function userKey(prefix: KeyPrefix, userId: string, kind: string): string {
  const base = typeof prefix === "string" ? prefix : prefix.prefixes[prefix.of(userId)]!;
  return `${base}:${kind}:${userId}`;
}
