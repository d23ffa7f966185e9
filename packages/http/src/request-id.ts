import { Buffer } from "node:buffer";
import { HEX_DIGITS, RandomPool } from "./random-pool";

const SANE_REQUEST_ID = /^[A-Za-z0-9._:/+=-]{1,128}$/;

const uuid = Buffer.from("00000000-0000-4000-8000-000000000000", "latin1");
/** 16 random bytes per id. */
const entropy = new RandomPool(16 * 128);

/**
 * A v4 UUID, as `randomUUID()` makes one (same entropy pool scheme), but written into one Buffer
 * and read out as one string: `randomUUID()` concatenates ~20 strings per id, ~600 bytes of V8
 * heap for every request without a usable id of its own (ADR 5).
 */
function randomUuid(): string {
  const { bytes } = entropy;
  const r = entropy.take(16);
  let at = 0;
  for (let i = 0; i < 16; i++) {
    // The dashes at 8, 13, 18 and 23 stay.
    if (at === 8 || at === 13 || at === 18 || at === 23) at++;
    let byte = bytes[r + i]!;
    if (i === 6) byte = 0x40 | (byte & 0x0f);
    else if (i === 8) byte = 0x80 | (byte & 0x3f);
    uuid[at++] = HEX_DIGITS[byte >> 4]!;
    uuid[at++] = HEX_DIGITS[byte & 15]!;
  }
  return uuid.toString("latin1");
}

/**
 * The id a request is known by in logs and problem bodies: the caller's `X-Request-Id`, or
 * Railway's edge id, when it is short and printable; otherwise a fresh UUID.
 */
export function resolveRequestId(headers: Pick<Headers, "get">): string {
  return requestIdOf(headers.get("x-request-id"), headers.get("x-railway-request-id"));
}

/** The same from the two headers' values (absent: null or undefined), as a server already parsed them. */
export function requestIdOf(own: string | null | undefined, railway: string | null | undefined): string {
  if (own != null && SANE_REQUEST_ID.test(own)) return own;
  if (railway != null && SANE_REQUEST_ID.test(railway)) return railway;
  return randomUuid();
}
