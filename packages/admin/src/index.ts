export { type BroadcastResult, broadcastWebhookChange } from "./broadcast-webhook-change";
export { connectRedis } from "./connect-redis";
export { type CreateAccountInput, createAccount } from "./create-account";
export { type CreateUserInput, createUser } from "./create-user";
export { type CreateWebhookInput, createWebhook, type IssuedWebhook } from "./create-webhook";
export { curlExample } from "./curl-example";
export { DEMO_EMAIL, type DemoSetup, type EnsureDemoOptions, ensureDemo } from "./ensure-demo";
export { findWebhookByToken, type TokenOwner } from "./find-webhook-by-token";
export { getOrder, type OrderDetail } from "./get-order";
export { getUserById } from "./get-user-by-id";
export { getUserOrder, type UserOrderDetail } from "./get-user-order";
export { getWebhook, type WebhookDetail } from "./get-webhook";
export { getWebhookCredentials, type WebhookCredentials } from "./get-webhook-credentials";
export { listAccounts } from "./list-accounts";
export { type FailedJob, listFailedJobs } from "./list-failed-jobs";
export { type ListOrdersInput, listOrders, type OrderSummary } from "./list-orders";
export {
  type ListUserOrdersInput,
  listUserOrders,
  type UserOrder,
  type UserOrderPage,
} from "./list-user-orders";
export { getUserWebhook, listUserWebhooks, type UserWebhook } from "./list-user-webhooks";
export { listUsers, type UserListing } from "./list-users";
export { listWebhooks, type WebhookSummary } from "./list-webhooks";
export { retryAllFailedJobs, retryFailedJob } from "./retry-failed-jobs";
export { type RevokedWebhook, revokeWebhook } from "./revoke-webhook";
export { type RotatedWebhook, rotateWebhook } from "./rotate-webhook";
export { type UpdatedUser, updateUser } from "./update-user";
export { updateWebhookSettings } from "./update-webhook-settings";
export { RATE_LIMIT_MAX, type UserRateLimitInput } from "./user-rate-limit";
export { isUuid } from "./user-scope";
export {
  DEDUP_WINDOW_MAX_MS,
  MAX_LAG_MAX_SECONDS,
  type WebhookSettings,
  type WebhookSettingsInput,
} from "./webhook-settings";
export { type WebhookUrlBase, webhookUrl } from "./webhook-url";
