import { Redis, type RedisOptions } from "ioredis";

export interface RedisConnectionOptions extends RedisOptions {
  /** Name shown in CLIENT LIST. */
  connectionName?: string;
}

/**
 * An ioredis client for a `redis://` or `rediss://` URL. `family: 0` lets hostnames resolve
 * to IPv6 too (Railway's private network is IPv6-only); ioredis's default is IPv4 only.
 */
export function createRedis(url: string, options: RedisConnectionOptions = {}): Redis {
  return new Redis(url, { family: 0, ...options });
}
