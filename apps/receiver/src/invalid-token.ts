import { OrderhookError } from "@orderhook/errors";

/** One answer for unknown, revoked and badly signed alike, so none can be told apart. */
export function invalidToken(): OrderhookError {
  return new OrderhookError("invalid_token", {
    detail: "The token is unknown or revoked, or the request is not signed correctly.",
  });
}
