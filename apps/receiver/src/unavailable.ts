import { isOrderhookError, OrderhookError } from "@orderhook/errors";

/** Any failure talking to Redis or Postgres becomes a retryable 503; `detail` replaces the generic one. */
export function unavailable(cause: unknown, what: string, detail?: string): OrderhookError {
  if (isOrderhookError(cause)) return cause;
  return new OrderhookError("unavailable", {
    detail: detail ?? `${what} is unavailable; retry shortly.`,
    retryAfter: 1,
    cause,
  });
}
