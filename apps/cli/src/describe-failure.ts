import { ConfigError } from "@orderhook/config";
import { type ErrorCode, isOrderhookError } from "@orderhook/errors";
import { CommanderError } from "commander";

export interface Failure {
  code: ErrorCode;
  message: string;
}

const UNREACHABLE = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "CONNECT_TIMEOUT",
  "CONNECTION_CLOSED",
  "CONNECTION_DESTROYED",
  "CONNECTION_ENDED",
]);

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, " ").trim();
}

/** The innermost error: Drizzle's wrapper message lists query parameters, which may be secrets. */
function rootCause(error: unknown): unknown {
  let current = error;
  while (current instanceof Error && current.cause instanceof Error) current = current.cause;
  return current;
}

/** Maps anything a command throws to one stable code and one line saying what is wrong. */
export function describeFailure(error: unknown): Failure {
  if (isOrderhookError(error)) return { code: error.code, message: oneLine(error.message) };
  if (error instanceof CommanderError) {
    return { code: "invalid_argument", message: oneLine(error.message.replace(/^error: /, "")) };
  }
  if (error instanceof ConfigError) return { code: "invalid_config", message: error.message };
  const cause = rootCause(error);
  const code = (cause as { code?: unknown }).code;
  const message = cause instanceof Error ? oneLine(cause.message) : String(cause);
  if (typeof code === "string" && UNREACHABLE.has(code)) {
    return { code: "unavailable", message: `Postgres is unreachable (${message}); check DATABASE_URL` };
  }
  if (code === "3D000" || code === "42P01") {
    return { code: "unavailable", message: `${message}; run \`pnpm orderhook db migrate\` first` };
  }
  return { code: "internal", message };
}
