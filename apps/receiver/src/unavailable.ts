import { isOrderhookError, OrderhookError } from "@orderhook/errors";

/** Any failure talking to Redis or Postgres becomes a retryable 503. */
export function unavailable(cause: unknown, what: string): OrderhookError {
  if (isOrderhookError(cause)) return cause;
  return new OrderhookError("unavailable", {
    detail: `${what} is unavailable; retry shortly.`,
    retryAfter: 1,
    cause,
  });
}
