import { hash } from "node:crypto";

const TAGGED = /\{([^{}]+)\}/;

/**
 * The key prefix of queue shard `index`: shard 0 is `base` itself (one shard keeps today's key
 * names), shard i > 0 renames the hash tag — `{orderhook}` → `{orderhook-s2}`, or an untagged
 * `orderhook` → `{orderhook-s2}` — so each shard hashes to its own cluster slot. A shard's name
 * never depends on how many shards there are: growing N leaves existing shards where they are.
 */
export function shardPrefix(base: string, index: number): string {
  if (index === 0) return base;
  const tagged = TAGGED.exec(base);
  if (tagged === null) return `{${base}-s${index}}`;
  return `${base.slice(0, tagged.index)}{${tagged[1]}-s${index}}${base.slice(tagged.index + tagged[0].length)}`;
}

/**
 * A key of a shard that belongs to no one user: a signed webhook's seen `webhook-id`, and the
 * placeholder an unsigned or unlogged request names on a cluster, where "" would hash to slot 0.
 * Per-user keys are `userKey`'s; both carry the shard prefix and so its hash tag.
 */
export function shardKey(prefix: string, ...parts: string[]): string {
  return `${prefix}:${parts.join(":")}`;
}

/**
 * Jump consistent hash (Lamping & Veach 2014): `key` into one of `buckets`, moving only
 * 1/N of keys when N grows by one.
 */
export function jumpHash(key: bigint, buckets: number): number {
  let b = -1;
  let j = 0;
  let k = key;
  while (j < buckets) {
    b = j;
    k = BigInt.asUintN(64, k * 2862933555777941757n + 1n);
    j = Math.floor((b + 1) * (2 ** 31 / (Number(k >> 33n) + 1)));
  }
  return b;
}

/** The shard of a user's keys and jobs: jump hash of SHA-256(userId), stable for a given count. */
export function userShard(userId: string, shards: number): number {
  if (shards <= 1) return 0;
  return jumpHash(hash("sha256", userId, "buffer").readBigUInt64BE(0), shards);
}

/** The queue shards a deployment has: their prefixes and which one a user's work goes to. */
export interface QueueShards {
  count: number;
  /** Shard count before a change under way (0: none); see docs/redis-cluster.md. */
  previous: number;
  prefixes: readonly string[];
  /** The shard index of `userId`'s keys and jobs. */
  of(userId: string): number;
  /** During a change: the user's shard under the previous count, when it differs (else null). */
  previousOf(userId: string): number | null;
}

export function queueShards(base: string, count: number, previous = 0): QueueShards {
  const prefixes = Array.from({ length: Math.max(count, previous) }, (_, i) => shardPrefix(base, i));
  return {
    count,
    previous,
    prefixes,
    of: count === 1 ? () => 0 : (userId) => userShard(userId, count),
    previousOf(userId) {
      if (previous === 0 || previous === count) return null;
      const before = userShard(userId, previous);
      return before === userShard(userId, count) ? null : before;
    },
  };
}
