import { Cluster, type ClusterOptions, type Redis, type RedisOptions } from "ioredis";
import { keySlot } from "./key-slot";
import { createRedis, type RedisConnectionOptions } from "./redis-connection";

/** A single Redis node or a Redis Cluster: BullMQ and every orderhook script take either. */
export type RedisClient = Redis | Cluster;

/**
 * Where Redis is, as the environment says it (`REDIS_URL`, or `REDIS_CLUSTER_NODES` which then
 * replaces it), with the cluster's password and TLS.
 */
export interface RedisSettings {
  REDIS_URL: string;
  REDIS_CLUSTER_NODES?: readonly { host: string; port: number }[] | undefined;
  REDIS_PASSWORD?: string | undefined;
  REDIS_TLS?: boolean | undefined;
}

/** Options that are the cluster client's own; the rest apply to each node's connection. */
const CLUSTER_LEVEL = ["enableOfflineQueue", "lazyConnect", "retryStrategy", "enableReadyCheck"] as const;

/**
 * The one way orderhook connects to Redis: ioredis's `Redis` for `REDIS_URL`, its `Cluster` for
 * `REDIS_CLUSTER_NODES`, with the same semantics either way — `enableOfflineQueue`,
 * `lazyConnect` and `retryStrategy` are the cluster's (which fails commands fast or queues them
 * as a node connection would), the rest (`maxRetriesPerRequest`, `commandTimeout`,
 * `connectionName`, the password and TLS) apply to every node connection it opens.
 */
export function createRedisClient(
  settings: RedisSettings,
  options: RedisConnectionOptions = {},
): RedisClient {
  const nodes = settings.REDIS_CLUSTER_NODES;
  const tls = settings.REDIS_TLS === true ? { tls: {} } : {};
  if (nodes === undefined || nodes.length === 0) {
    const password =
      settings.REDIS_PASSWORD !== undefined && new URL(settings.REDIS_URL).password === ""
        ? { password: settings.REDIS_PASSWORD }
        : {};
    return createRedis(settings.REDIS_URL, { ...tls, ...password, ...options });
  }
  const { enableOfflineQueue, lazyConnect, retryStrategy, enableReadyCheck, ...nodeOptions } = options;
  const clusterOptions: ClusterOptions = {
    enableOfflineQueue: enableOfflineQueue ?? true,
    lazyConnect: lazyConnect ?? false,
    enableReadyCheck: enableReadyCheck ?? true,
    ...(retryStrategy === undefined ? {} : { clusterRetryStrategy: retryStrategy }),
    redisOptions: {
      family: 0,
      ...tls,
      ...(settings.REDIS_PASSWORD === undefined ? {} : { password: settings.REDIS_PASSWORD }),
      ...nodeOptions,
    },
  };
  return new Cluster(
    nodes.map(({ host, port }) => ({ host, port })),
    clusterOptions,
  );
}

/** A second connection like `client` (for a blocking command or a subscriber), with `overrides`. */
export function duplicateClient(client: RedisClient, overrides: Partial<RedisOptions> = {}): RedisClient {
  if (client instanceof Cluster) {
    const own = Object.fromEntries(
      CLUSTER_LEVEL.filter((name) => name in overrides).map((name) => [name, overrides[name]]),
    );
    return client.duplicate(undefined, {
      ...own,
      redisOptions: { ...client.options.redisOptions, ...overrides },
    });
  }
  return client.duplicate(overrides);
}

/** The client's master connections: itself for a single node, every master of a cluster. */
export function masterConnections(client: RedisClient): Redis[] {
  return client instanceof Cluster ? client.nodes("master") : [client];
}

export function isCluster(client: RedisClient): client is Cluster {
  return client instanceof Cluster;
}

/** Where a queue shard lives on a cluster: its slot and the master serving it ("host:port"). */
export interface ShardPlacement {
  shard: number;
  prefix: string;
  slot: number;
  master: string | null;
}

/**
 * The slot and master of each shard prefix on a cluster (null on a single node), from the
 * client's slot table: what an operator checks after choosing QUEUE_PREFIX and QUEUE_SHARDS.
 */
export function shardPlacement(client: RedisClient, prefixes: readonly string[]): ShardPlacement[] | null {
  if (!(client instanceof Cluster)) return null;
  return prefixes.map((prefix, shard) => {
    const slot = keySlot(`${prefix}:orders`);
    return { shard, prefix, slot, master: client.slots[slot]?.[0] ?? null };
  });
}
