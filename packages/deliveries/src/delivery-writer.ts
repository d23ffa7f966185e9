import type { RedisClient } from "@orderhook/queue";
import { appendDeliveryLua } from "./append-delivery-lua";
import { type DeliveryLogOptions, deliveryStreamKey } from "./delivery-log-options";
import { type DeliveryRecord, encodeDelivery } from "./delivery-record";

export interface DeliveryWriter {
  /**
   * Appends a request's entry without waiting: the promise is not returned, a failure goes to
   * `onError` (a metric), never to the request that caused it.
   */
  record(userId: string, webhookId: string, record: DeliveryRecord): void;
}

/** Writes refused and repeated requests' entries, one script call each (auto-pipelined by ioredis). */
export function createDeliveryWriter(
  redis: RedisClient,
  options: DeliveryLogOptions & { onError?: (error: unknown) => void },
): DeliveryWriter {
  const { prefix, maxEntries, maxAgeMs, onError } = options;
  redis.defineCommand("orderhookAppendDelivery", { numberOfKeys: 1, lua: appendDeliveryLua() });
  const commands = redis as unknown as {
    orderhookAppendDelivery(
      key: string,
      maxEntries: string,
      maxAgeMs: string,
      entry: string,
    ): Promise<number>;
  };
  const entries = String(maxEntries);
  const age = String(maxAgeMs);
  const failed = (error: unknown) => onError?.(error);
  return {
    record(userId, webhookId, record) {
      if (maxEntries === 0) return;
      try {
        commands
          .orderhookAppendDelivery(
            deliveryStreamKey(prefix, userId, webhookId),
            entries,
            age,
            encodeDelivery(record),
          )
          .catch(failed);
      } catch (error) {
        failed(error);
      }
    },
  };
}
