import { DecimalProblem, parseDecimal } from "@orderhook/alert";
import { OrderhookError } from "@orderhook/errors";
import { z } from "zod";

const email = z.email();
// z.guid() accepts any 8-4-4-4-12 hex string, as Postgres does; z.uuid() would refuse some valid ids.
const uuid = z.guid();

function invalid(detail: string): OrderhookError {
  return new OrderhookError("invalid_argument", { detail });
}

/** Emails are compared lower-cased, so `Alice@X.com` and `alice@x.com` are one user. */
export function normalizeEmail(value: string): string {
  const normalized = value.trim().toLowerCase();
  if (!email.safeParse(normalized).success) throw invalid(`"${value}" is not an email address`);
  return normalized;
}

export function requireUuid(value: string, what: string): string {
  const trimmed = value.trim();
  if (!uuid.safeParse(trimmed).success) throw invalid(`${what} "${value}" is not a UUID`);
  return trimmed.toLowerCase();
}

export function requireName(value: string, what: string): string {
  const trimmed = value.trim();
  if (trimmed.length === 0 || trimmed.length > 100) throw invalid(`${what} must be 1-100 characters`);
  return trimmed;
}

export function requireInteger(value: number, what: string, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw invalid(`${what} must be a whole number from ${min} to ${max}`);
  }
  return value;
}

/** A decimal above 0 within the alert contract's bounds, as the canonical text Postgres stores. */
export function requireDecimal(value: string, what: string): string {
  const parsed = parseDecimal(value);
  if (parsed instanceof DecimalProblem) throw invalid(`${what} "${value}" ${parsed.message}`);
  return parsed;
}
