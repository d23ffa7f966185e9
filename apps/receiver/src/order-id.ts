import { randomUUID } from "node:crypto";

/**
 * A UUIDv7 (RFC 9562): 48-bit Unix ms timestamp, then 74 random bits taken from a v4 UUID.
 * `randomUUID` draws from a pre-filled entropy pool; the `uuid` package's v7 asked
 * `getRandomValues` for fresh bytes on every call, measured at 2 % of the receiver's CPU.
 * Ids of the same millisecond are not ordered among themselves (nothing needs them to be).
 */
export function newOrderId(now: number = Date.now()): string {
  const time = now.toString(16).padStart(12, "0");
  // v4 layout xxxxxxxx-xxxx-4xxx-Vxxx-xxxxxxxxxxxx: keep everything after its version digit
  // (the variant bits are already RFC 9562's).
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-7${randomUUID().slice(15)}`;
}
