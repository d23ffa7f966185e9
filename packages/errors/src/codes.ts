/**
 * The closed vocabulary of failures. Each code has one HTTP status and says whether
 * trying again can help; the receiver maps codes to problem+json in one place and the
 * worker turns non-retryable ones into BullMQ's UnrecoverableError.
 */
export const errorCodes = {
  malformed_json: { status: 400, title: "Body is not valid JSON", retryable: false },
  invalid_token: { status: 401, title: "Invalid token", retryable: false },
  account_forbidden: { status: 403, title: "Account not allowed", retryable: false },
  not_found: { status: 404, title: "Not found", retryable: false },
  method_not_allowed: { status: 405, title: "Method not allowed", retryable: false },
  idempotency_in_flight: {
    status: 409,
    title: "Request with this idempotency key is in flight",
    retryable: true,
  },
  payload_too_large: { status: 413, title: "Payload too large", retryable: false },
  unsupported_media_type: { status: 415, title: "Unsupported media type", retryable: false },
  invalid_order: { status: 422, title: "Invalid order", retryable: false },
  invalid_query: { status: 422, title: "Invalid query parameters", retryable: false },
  stale_signal: { status: 422, title: "Stale signal", retryable: false },
  idempotency_key_reused: {
    status: 422,
    title: "Idempotency key reused with a different payload",
    retryable: false,
  },
  rate_limited: { status: 429, title: "Rate limit exceeded", retryable: true },
  internal: { status: 500, title: "Internal error", retryable: true },
  unavailable: { status: 503, title: "Service unavailable", retryable: true },
  // Admin and worker codes (never sent over HTTP by the receiver).
  conflict: { status: 409, title: "Already exists", retryable: false },
  invalid_argument: { status: 400, title: "Invalid argument", retryable: false },
  invalid_config: { status: 500, title: "Invalid configuration", retryable: false },
  invalid_job: { status: 422, title: "Invalid job data", retryable: false },
  webhook_revoked: { status: 403, title: "Webhook revoked before the alert arrived", retryable: false },
  duplicate_idempotency_key: {
    status: 409,
    title: "Idempotency key already used by an earlier order",
    retryable: false,
  },
  stalled: { status: 500, title: "Job stalled too often", retryable: false },
  transient: { status: 503, title: "Transient failure", retryable: true },
} as const satisfies Record<string, { status: number; title: string; retryable: boolean }>;

export type ErrorCode = keyof typeof errorCodes;
