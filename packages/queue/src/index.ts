export { type BatchConsumer, type BatchConsumerOptions, createBatchConsumer } from "./batch-consumer";
export type { BatchLogger } from "./batch-logger";
export type { TakenJob } from "./batch-scripts";
export { bullmqAddStandardJobLua, bullmqAddStandardJobOptionReads } from "./bullmq-lua";
export { captureJobAddTemplate, type JobAddTemplate } from "./job-add-template";
export { keySlot } from "./key-slot";
export {
  ORDER_JOB_NAME,
  ORDER_JOB_VERSION,
  ORDER_QUEUE_NAME,
  type OrderJob,
  orderJobSchema,
} from "./order-job";
export {
  createOrderQueue,
  type OrderJobRetryOptions,
  type OrderQueue,
  orderJobKey,
  orderJobOptions,
} from "./order-queue";
export {
  jumpHash,
  type QueueShards,
  queueShards,
  shardKey,
  shardPrefix,
  userShard,
} from "./queue-shards";
export {
  createRedisClient,
  duplicateClient,
  isCluster,
  masterConnections,
  type RedisClient,
  type RedisSettings,
  type ShardPlacement,
  shardPlacement,
} from "./redis-client";
export { createRedis, type RedisConnectionOptions } from "./redis-connection";
export { type KeyPrefix, userKey } from "./user-key";
export {
  parseWebhookEvent,
  publishWebhookEvent,
  type ReceivedWebhookEvent,
  readWebhookEventsVersion,
  subscribeToWebhookEventsChannel,
  type WebhookEvent,
  webhookEventsChannel,
  webhookEventsVersionKey,
} from "./webhook-events";
