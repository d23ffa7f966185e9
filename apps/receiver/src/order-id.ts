import { randomUUID } from "node:crypto";

/** The id's first 15 characters for the last millisecond seen: a burst makes many ids per ms. */
let prefixMs = -1;
let prefix = "";

/**
 * A UUIDv7 (RFC 9562): 48-bit Unix ms timestamp, then 74 random bits taken from a v4 UUID.
 * `randomUUID` draws from a pre-filled entropy pool; the `uuid` package's v7 asked
 * `getRandomValues` for fresh bytes on every call, measured at 2 % of the receiver's CPU.
 * The timestamp's hex is made once per millisecond (`toString(16)` of a double measured half of
 * an id). Ids of the same millisecond are not ordered among themselves (nothing needs them to be).
 */
export function newOrderId(now: number = Date.now()): string {
  if (now !== prefixMs) {
    const time = now.toString(16).padStart(12, "0");
    prefix = `${time.slice(0, 8)}-${time.slice(8, 12)}-7`;
    prefixMs = now;
  }
  // v4 layout xxxxxxxx-xxxx-4xxx-Vxxx-xxxxxxxxxxxx: keep everything after its version digit
  // (the variant bits are already RFC 9562's).
  return prefix + randomUUID().slice(15);
}
