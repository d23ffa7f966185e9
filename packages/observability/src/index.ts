export { BoundCounter, BoundHistogram, type CounterSeries, type HistogramSeries } from "./bound-metrics";
export { exitAfterLogs } from "./exit-after-logs";
export { createLogger, type Logger, type LoggerConfig, REDACT_PATHS } from "./logger";
export { registerProcessMetrics } from "./process-metrics";
export { checkRedisPolicy, type RedisPolicy, RedisPolicyError, readRedisPolicy } from "./redis-policy";
