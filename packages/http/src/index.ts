export { type ClientAddress, createClientAddress, forwardedClient, NO_SOCKET } from "./client-address";
export {
  createKeyedRateLimiter,
  type KeyedRateLimiter,
  type KeyedRateLimitOptions,
} from "./keyed-rate-limiter";
export type { NodeBindings, NodeEnv } from "./node-env";
export { HEX_DIGITS, RandomPool } from "./random-pool";
export { requestIdOf, resolveRequestId } from "./request-id";
export {
  defaultServerTimeouts,
  type FetchApp,
  type RunningServer,
  type ServerTimeouts,
  startServer,
} from "./start-server";
