import { OrderhookError } from "@orderhook/errors";
import { createRedis } from "@orderhook/queue";
import type { Redis } from "ioredis";

/**
 * A Redis connection for one admin command: it connects now or fails with `unavailable`
 * within `timeoutMs`, and never queues commands or reconnects, so a CLI never hangs on a
 * Redis that is down.
 */
export async function connectRedis(url: string, timeoutMs = 2_000): Promise<Redis> {
  const redis = createRedis(url, {
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
    const where = new URL(url);
    const reason = (socketError ?? (error as Error)).message;
    throw new OrderhookError("unavailable", {
      detail: `Redis at ${where.hostname}:${where.port || 6379} is unreachable (${reason}); check REDIS_URL`,
      cause: error,
    });
  }
}
