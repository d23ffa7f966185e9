import { OrderhookError } from "@orderhook/errors";
import { createRedisClient, type RedisClient, type RedisSettings } from "@orderhook/queue";

/**
 * A Redis connection for one admin command: it connects now or fails with `unavailable`
 * within `timeoutMs`, and never queues commands or reconnects, so a CLI never hangs on a
 * Redis that is down.
 */
export async function connectRedis(where: string | RedisSettings, timeoutMs = 2_000): Promise<RedisClient> {
  const settings = typeof where === "string" ? { REDIS_URL: where } : where;
  const redis = createRedisClient(settings, {
    lazyConnect: true,
    enableOfflineQueue: false,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectionName: "orderhook-admin",
  });
  // connect() only says "Connection is closed."; the socket error says why.
  let socketError: Error | undefined;
  redis.on("error", (error: Error) => {
    socketError ??= error;
  });
  try {
    await redis.connect();
    return redis;
  } catch (error) {
    redis.disconnect();
    const reason = (socketError ?? (error as Error)).message;
    const nodes = settings.REDIS_CLUSTER_NODES;
    const url = new URL(settings.REDIS_URL);
    throw new OrderhookError("unavailable", {
      detail:
        nodes === undefined
          ? `Redis at ${url.hostname}:${url.port || 6379} is unreachable (${reason}); check REDIS_URL`
          : `Redis Cluster at ${nodes.map((n) => `${n.host}:${n.port}`).join(",")} is unreachable (${reason}); check REDIS_CLUSTER_NODES`,
      cause: error,
    });
  }
}
