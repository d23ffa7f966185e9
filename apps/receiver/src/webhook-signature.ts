import { createHmac, timingSafeEqual } from "node:crypto";

/** Standard Webhooks' replay window for `webhook-timestamp`. */
export const SIGNATURE_TOLERANCE_SECONDS = 5 * 60;

export interface SignedHeaders {
  id: string | null;
  timestamp: string | null;
  signature: string | null;
}

/** The HMAC key of a `whsec_…` secret (base64 after the prefix). */
export function signingKey(secret: string): Buffer {
  return Buffer.from(secret.startsWith("whsec_") ? secret.slice(6) : secret, "base64");
}

/**
 * Standard Webhooks verification: HMAC-SHA256 over `id.timestamp.body`, any of the
 * space-separated `v1,<base64>` signatures may match, compared in constant time, and the
 * timestamp within five minutes of now.
 */
export function verifyWebhookSignature(
  key: Buffer,
  headers: SignedHeaders,
  body: Buffer,
  nowMs: number,
): boolean {
  const { id, timestamp, signature } = headers;
  if (!id || !timestamp || !signature || !/^\d{1,12}$/.test(timestamp)) return false;
  if (Math.abs(nowMs / 1000 - Number(timestamp)) > SIGNATURE_TOLERANCE_SECONDS) return false;
  const expected = createHmac("sha256", key).update(`${id}.${timestamp}.`).update(body).digest();
  let valid = false;
  for (const candidate of signature.split(" ")) {
    if (!candidate.startsWith("v1,")) continue;
    const given = Buffer.from(candidate.slice(3), "base64");
    // Every candidate is compared, so the time taken does not reveal which one matched.
    if (given.length === expected.length && timingSafeEqual(given, expected)) valid = true;
  }
  return valid;
}
