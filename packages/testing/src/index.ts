export { type AlertAttempt, AlertTraffic, type AlertTrafficOptions, type SentAlert } from "./alert-traffic";
export {
  type AppName,
  type AppOptions,
  AppProcess,
  type AppProcessOptions,
  type CommandOptions,
  type EntryOptions,
  type ExitStatus,
} from "./app-process";
export { auditOrders, type OrderAudit } from "./audit-orders";
export { buildOrderJob } from "./build-order-job";
export { testDatabaseUrl, testRedisUrl, uniquePrefix } from "./context";
export { deleteKeys } from "./delete-keys";
export { type DownMode, FaultProxy, type FaultProxyOptions } from "./fault-proxy";
export { createFixture, createSiblingWebhook, type Fixture, type FixtureOptions } from "./fixtures";
export { type HostileRequest, hostileRequests } from "./hostile-requests";
export { orderRow } from "./order-row";
export { PgBouncer, type PgBouncerOptions } from "./pgbouncer";
export { promtoolFindings } from "./promtool";
export { type ClusterNodeInfo, RedisCluster, type RedisClusterOptions } from "./redis-cluster";
export { freePort, RedisServer, type RedisServerOptions } from "./redis-server";
export { ORDERHOOK_CLI, type OrderhookRun, runOrderhook } from "./run-orderhook";
export { type ScratchDatabase, scratchDatabase } from "./scratch-database";
export { type HttpAnswer, type HttpRequest, orderIdOf, problemCode, sendHttp } from "./send-http";
export { canConnect, ensureServices } from "./services";
export { type SignOptions, signHeaders } from "./sign-headers";
export { type SlowRequestOptions, type SlowRequestResult, slowRequest } from "./slow-request";
export { terminateBackends } from "./terminate-backends";
export { waitUntil } from "./wait-until";
