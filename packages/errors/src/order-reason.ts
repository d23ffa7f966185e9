import type { ErrorCode } from "./codes";

/**
 * Why the worker rejected or failed an order: a closed subset of the vocabulary. Whether a
 * retry can help is the code's `retryable` (only `transient` and `internal` are retried).
 */
export const orderReasonCodes = [
  "invalid_job",
  "webhook_revoked",
  "account_forbidden",
  "invalid_order",
  "duplicate_idempotency_key",
  "stalled",
  "transient",
  "internal",
] as const satisfies readonly ErrorCode[];

export type OrderReasonCode = (typeof orderReasonCodes)[number];

/** A code and the human-readable text an order row keeps (`GET /v1/orders/{id}` shows it). */
export interface OrderReason {
  readonly code: OrderReasonCode;
  /** Starts with the code: `webhook_revoked: the webhook no longer exists`. */
  readonly text: string;
}

export function orderReason(code: OrderReasonCode, detail: string): OrderReason {
  return { code, text: `${code}: ${detail}` };
}

const known: ReadonlySet<string> = new Set(orderReasonCodes);

/**
 * The code of a reason read back from a stored row, or null when it starts with none of the
 * set (a row written by hand or by a worker from before the codes).
 */
export function orderReasonCodeOf(text: string | null): OrderReasonCode | null {
  if (text === null) return null;
  const colon = text.indexOf(":");
  const code = colon === -1 ? text : text.slice(0, colon);
  return known.has(code) ? (code as OrderReasonCode) : null;
}
