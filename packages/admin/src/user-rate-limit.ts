import type { User } from "@orderhook/db";
import { requireInteger } from "./arguments";

/** Bound on a user's rate and burst (alerts per second, alerts at once). */
export const RATE_LIMIT_MAX = 1_000_000;

/**
 * A user's rate limit as an operator gives it: a field left out stays as it is, null puts it back
 * to the default (the receiver's RATE_LIMIT_PER_SECOND; a burst of one second's worth).
 */
export interface UserRateLimitInput {
  /** Alerts per second, sustained. */
  rateLimitPerSecond?: number | null | undefined;
  /** Alerts that may arrive at the same moment; the allowance refills at the rate. */
  rateLimitBurst?: number | null | undefined;
}

export function readRateLimit(
  input: UserRateLimitInput,
): Partial<Pick<User, "rateLimitPerSecond" | "rateLimitBurst">> {
  const values: Partial<Pick<User, "rateLimitPerSecond" | "rateLimitBurst">> = {};
  if (input.rateLimitPerSecond !== undefined) {
    values.rateLimitPerSecond =
      input.rateLimitPerSecond === null
        ? null
        : requireInteger(input.rateLimitPerSecond, "rate limit", 1, RATE_LIMIT_MAX);
  }
  if (input.rateLimitBurst !== undefined) {
    values.rateLimitBurst =
      input.rateLimitBurst === null ? null : requireInteger(input.rateLimitBurst, "burst", 1, RATE_LIMIT_MAX);
  }
  return values;
}
