export { type BroadcastResult, broadcastWebhookChange } from "./broadcast-webhook-change";
export { connectRedis } from "./connect-redis";
export { type CreateAccountInput, createAccount } from "./create-account";
export { type CreateUserInput, createUser } from "./create-user";
export { type CreateWebhookInput, createWebhook, type IssuedWebhook } from "./create-webhook";
export { curlExample } from "./curl-example";
export { DEMO_EMAIL, type DemoSetup, type EnsureDemoOptions, ensureDemo } from "./ensure-demo";
export { getOrder, type OrderDetail } from "./get-order";
export { getWebhook, type WebhookDetail } from "./get-webhook";
export { listAccounts } from "./list-accounts";
export { type FailedJob, listFailedJobs } from "./list-failed-jobs";
export { type ListOrdersInput, listOrders, type OrderSummary } from "./list-orders";
export { listWebhooks, type WebhookSummary } from "./list-webhooks";
export { retryAllFailedJobs, retryFailedJob } from "./retry-failed-jobs";
export { type RevokedWebhook, revokeWebhook } from "./revoke-webhook";
export { type RotatedWebhook, rotateWebhook } from "./rotate-webhook";
export { type UpdatedUser, updateUser } from "./update-user";
export { updateWebhookSettings } from "./update-webhook-settings";
export { RATE_LIMIT_MAX, type UserRateLimitInput } from "./user-rate-limit";
export {
  DEDUP_WINDOW_MAX_MS,
  MAX_LAG_MAX_SECONDS,
  type WebhookSettings,
  type WebhookSettingsInput,
} from "./webhook-settings";
export { type WebhookUrlBase, webhookUrl } from "./webhook-url";
