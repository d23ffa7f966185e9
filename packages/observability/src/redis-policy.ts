import type { Redis } from "ioredis";
import type { Logger } from "pino";

export class RedisPolicyError extends Error {
  constructor(policy: string) {
    super(
      `Redis maxmemory-policy is "${policy}": under memory pressure Redis would evict queued orders. ` +
        `Set "maxmemory-policy noeviction" (or REDIS_ALLOW_EVICTION=true to start anyway).`,
    );
    this.name = "RedisPolicyError";
  }
}

export interface RedisPolicy {
  maxmemoryPolicy: string;
  appendonly: boolean;
  appendfsync: string | null;
}

function infoField(info: string, field: string): string | null {
  const match = new RegExp(`^${field}:(.*)$`, "m").exec(info);
  return match ? match[1]!.trim() : null;
}

/** Reads eviction and persistence settings; INFO works where CONFIG GET is disabled (managed Redis). */
export async function readRedisPolicy(redis: Redis): Promise<RedisPolicy> {
  const [memory, persistence] = await Promise.all([redis.info("memory"), redis.info("persistence")]);
  let appendfsync: string | null = null;
  try {
    const reply = (await redis.config("GET", "appendfsync")) as string[];
    appendfsync = reply[1] ?? null;
  } catch {
    appendfsync = null;
  }
  return {
    maxmemoryPolicy: infoField(memory, "maxmemory_policy") ?? "unknown",
    appendonly: infoField(persistence, "aof_enabled") === "1",
    appendfsync,
  };
}

/**
 * Start-up check: refuses a Redis that may evict keys unless overridden, and logs whether
 * acknowledged jobs survive a Redis crash (AOF) or not.
 */
export async function checkRedisPolicy(
  redis: Redis,
  options: { allowEviction: boolean; logger: Logger },
): Promise<RedisPolicy> {
  const policy = await readRedisPolicy(redis);
  if (policy.maxmemoryPolicy !== "noeviction") {
    if (!options.allowEviction) throw new RedisPolicyError(policy.maxmemoryPolicy);
    options.logger.warn(
      { maxmemoryPolicy: policy.maxmemoryPolicy },
      "redis may evict keys; REDIS_ALLOW_EVICTION is set",
    );
  }
  if (policy.appendonly) {
    options.logger.info({ appendonly: true, appendfsync: policy.appendfsync }, "redis AOF is on");
  } else {
    options.logger.warn(
      { appendonly: false },
      "redis AOF is off: acknowledged jobs not yet processed are lost if Redis restarts",
    );
  }
  return policy;
}
