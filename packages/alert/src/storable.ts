import type { FieldError } from "@orderhook/errors";

/**
 * What Postgres can store, as one rule for the receiver (which refuses the rest with
 * `invalid_order` before the ack) and the worker (which stores a job that breaks it as a
 * `rejected` row). Postgres `text` and `jsonb` hold neither U+0000 nor half of a UTF-16
 * surrogate pair (what `JSON.parse('"\\ud800"')` yields), in values or in keys; its
 * timestamps, `numeric` columns and the alert's own bounds are checked by the alert schema
 * (`alertTime` between 1970 and 9999, decimals within `DECIMAL_MAX_*`).
 */

/** U+0000, or a surrogate not part of a pair (with the u flag, a pair is one astral code point). */
const UNSTORABLE = "[\\u0000\\p{Cs}]";
const UNSTORABLE_CHARACTER = new RegExp(UNSTORABLE, "u");
const UNSTORABLE_CHARACTERS = new RegExp(UNSTORABLE, "gu");

export function isStorableText(text: string): boolean {
  return !UNSTORABLE_CHARACTER.test(text);
}

export function unstorableTextMessage(text: string): string {
  return text.includes("\u0000")
    ? "contains U+0000 (NUL), which cannot be stored"
    : "contains an unpaired UTF-16 surrogate (a \\ud800-\\udfff escape without its pair), which is not valid Unicode";
}

/** Earliest `alertTime` accepted: the Unix epoch. */
export const MIN_ALERT_TIME_MS = 0;
/** Latest: the end of year 9999, the last ISO-8601 four-digit year. */
export const MAX_ALERT_TIME_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

export function isStorableTime(ms: number): boolean {
  return Number.isSafeInteger(ms) && ms >= MIN_ALERT_TIME_MS && ms <= MAX_ALERT_TIME_MS;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** Deeper than any alert the receiver accepts (32 levels), shallow enough for recursion. */
const MAX_DEPTH = 64;

/** A JSON path segment as field errors show it: `a.b`, `a[0]`, or a quoted key when it is not a plain name. */
export function pathSegment(parent: string, key: string | number): string {
  if (typeof key === "number") return `${parent}[${key}]`;
  const name = IDENTIFIER.test(key) ? key : JSON.stringify(key);
  return parent === "" ? name : `${parent}.${name}`;
}

/**
 * The first string or key in `value` that Postgres cannot store, with its JSON path, or null.
 * Non-finite numbers (never produced by JSON.parse, but possible in data from elsewhere) count
 * too: `JSON.stringify` would turn them into null.
 */
export function findUnstorable(value: unknown, path = "", depth = 0): FieldError | null {
  if (typeof value === "string") {
    return isStorableText(value) ? null : { field: path, message: unstorableTextMessage(value) };
  }
  if (typeof value === "number") {
    return Number.isFinite(value)
      ? null
      : { field: path, message: "is a number beyond ±1.8e308, which cannot be stored (send it as a string)" };
  }
  if (typeof value !== "object" || value === null) return null;
  if (depth >= MAX_DEPTH) return { field: path, message: `is nested deeper than ${MAX_DEPTH} levels` };
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findUnstorable(value[i], pathSegment(path, i), depth + 1);
      if (found !== null) return found;
    }
    return null;
  }
  for (const key of Object.keys(value)) {
    const childPath = pathSegment(path, key);
    if (!isStorableText(key)) return { field: childPath, message: `key ${unstorableTextMessage(key)}` };
    const found = findUnstorable((value as Record<string, unknown>)[key], childPath, depth + 1);
    if (found !== null) return found;
  }
  return null;
}

/** The text with each unstorable character replaced by U+FFFD (what a decoder does with bad bytes). */
export function toStorableText(text: string): string {
  return isStorableText(text) ? text : text.replace(UNSTORABLE_CHARACTERS, "\ufffd");
}

/**
 * A copy of `value` that Postgres can store: unstorable characters of strings and keys become
 * U+FFFD, non-finite numbers null, anything nested too deep null. Only for rows that record a refusal; an accepted order is
 * never altered.
 */
export function toStorable(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return toStorableText(value);
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (typeof value !== "object" || value === null) return value;
  if (depth >= MAX_DEPTH) return null;
  if (Array.isArray(value)) return value.map((item) => toStorable(item, depth + 1));
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    Object.defineProperty(copy, toStorableText(key), {
      value: toStorable((value as Record<string, unknown>)[key], depth + 1),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return copy;
}
