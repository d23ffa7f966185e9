import { type JobsOptions, Queue, type QueueOptions } from "bullmq";
import { type ORDER_JOB_NAME, ORDER_QUEUE_NAME, type OrderJob } from "./order-job";
import type { RedisClient } from "./redis-client";

export type OrderQueue = Queue<OrderJob, unknown, typeof ORDER_JOB_NAME>;

export interface OrderJobRetryOptions {
  attempts: number;
  backoffMs: number;
}

/** Defaults for every order job: retries with exponential backoff and jitter; failed jobs kept for replay. */
export function orderJobOptions(
  retry: OrderJobRetryOptions = { attempts: 12, backoffMs: 1_000 },
): JobsOptions {
  return {
    attempts: retry.attempts,
    backoff: { type: "exponential", delay: retry.backoffMs, jitter: 0.5 },
    removeOnComplete: { age: 3_600, count: 10_000 },
    removeOnFail: { age: 14 * 86_400 },
  };
}

export function createOrderQueue(
  connection: RedisClient,
  prefix: string,
  options: Partial<QueueOptions> & { retry?: OrderJobRetryOptions } = {},
): OrderQueue {
  const { retry, ...rest } = options;
  return new Queue<OrderJob, unknown, typeof ORDER_JOB_NAME>(ORDER_QUEUE_NAME, {
    connection,
    prefix,
    defaultJobOptions: orderJobOptions(retry),
    ...rest,
  });
}

/** The Redis key of a job's hash, as BullMQ lays it out: `{prefix}:{queue}:{jobId}`. */
export function orderJobKey(prefix: string, orderId: string): string {
  return `${prefix}:${ORDER_QUEUE_NAME}:${orderId}`;
}
