import { randomUUID } from "node:crypto";

const SANE_REQUEST_ID = /^[A-Za-z0-9._:/+=-]{1,128}$/;

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
  return randomUUID();
}
