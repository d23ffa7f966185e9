import { type Logger, type LoggerOptions, pino } from "pino";

/**
 * Paths that may hold a credential anywhere in a log object. Routes are logged with the
 * token replaced (`/v1/webhooks/:token`), so URLs never carry one either.
 */
export const REDACT_PATHS = [
  "token",
  "*.token",
  "signingSecret",
  "*.signingSecret",
  "secret",
  "*.secret",
  "password",
  "*.password",
  "authorization",
  "*.authorization",
  "headers.authorization",
  'headers["webhook-signature"]',
  "req.headers.authorization",
  'req.headers["webhook-signature"]',
  "signature",
  "*.signature",
  "url",
  "*.url",
  "DATABASE_URL",
  "REDIS_URL",
];

export interface LoggerConfig {
  name: string;
  level: string;
  /** Extra fields on every line (e.g. service, replica). */
  base?: Record<string, unknown>;
  destination?: pino.DestinationStream;
}

/** JSON lines on stdout with credentials redacted. */
export function createLogger(config: LoggerConfig): Logger {
  const options: LoggerOptions = {
    name: config.name,
    level: config.level,
    base: { service: config.name, pid: process.pid, ...config.base },
    redact: { paths: REDACT_PATHS, censor: "[redacted]" },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  };
  return config.destination ? pino(options, config.destination) : pino(options);
}

export type { Logger } from "pino";
