import { isOrderhookError } from "@orderhook/errors";

/** Socket-level failures (Node) and postgres.js's own connection errors: the server may be back soon. */
const TRANSIENT_ERRNOS = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "CONNECT_TIMEOUT",
]);

/**
 * SQLSTATEs worth retrying: serialization failure, deadlock, lock not available, statement
 * timeout / cancel, admin or crash shutdown, cannot connect now, plus the whole connection
 * (08), insufficient resources (53) and system error (58) classes.
 */
const TRANSIENT_SQLSTATES = new Set(["40001", "40P01", "55P03", "57014", "57P01", "57P02", "57P03"]);
const TRANSIENT_SQLSTATE_CLASSES = new Set(["08", "53", "58"]);

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/** A Postgres SQLSTATE (five characters) carried by a postgres.js error, if any. */
export function sqlState(error: unknown): string | undefined {
  const code = codeOf(error);
  return code !== undefined && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/** True when trying the same thing again later can succeed. */
export function isTransientError(error: unknown): boolean {
  if (isOrderhookError(error)) return error.retryable;
  const code = codeOf(error);
  if (code === undefined) return false;
  if (TRANSIENT_ERRNOS.has(code)) return true;
  const state = sqlState(error);
  if (state === undefined) return false;
  return TRANSIENT_SQLSTATES.has(state) || TRANSIENT_SQLSTATE_CLASSES.has(state.slice(0, 2));
}

/**
 * Data exceptions (22) and integrity violations (23) belong to one row, not to the batch:
 * the batch is split to find the row. Anything else (a missing column after a bad deploy)
 * is never blamed on a row.
 */
export function isRowError(error: unknown): boolean {
  const state = sqlState(error);
  return state !== undefined && (state.startsWith("22") || state.startsWith("23"));
}
