export { exitAfterLogs } from "./exit-after-logs";
export { createLogger, type Logger, type LoggerConfig, REDACT_PATHS } from "./logger";
export { checkRedisPolicy, type RedisPolicy, RedisPolicyError, readRedisPolicy } from "./redis-policy";
