export { createDbClient, type Database, type DbClient, type DbClientOptions } from "./client";
export { type ConnectOptions, connectPostgres, type PoolMode } from "./connect-postgres";
export { type IssuedWebhook, insertWebhook, type NewWebhook } from "./insert-webhook";
export {
  ensureDatabase,
  findMigrationsFolder,
  type MigrateOptions,
  type MigrateResult,
  runMigrations,
  setDatabaseStatementTimeout,
} from "./migrate";
export {
  type BrokerAccount,
  brokerAccounts,
  type NewOrder,
  type Order,
  type OrderStatus,
  orderStatuses,
  orders,
  type User,
  users,
  type Webhook,
  webhooks,
} from "./schema";
export {
  generateSigningSecret,
  generateToken,
  hashToken,
  issueToken,
  isWellFormedToken,
  TOKEN_LENGTH,
  TOKEN_PREFIX,
  tokenDisplayPrefix,
} from "./token";
