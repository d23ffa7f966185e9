import { type ErrorCode, errorCodes, type FieldError } from "@orderhook/errors";
import { problemBody } from "./problem";

// Plain header objects (not Headers instances) keep @hono/node-server on its fast path.
export function jsonResponse(
  status: number,
  body: unknown,
  requestId: string,
  extraHeaders?: Record<string, string>,
): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", "x-request-id": requestId, ...extraHeaders },
  });
}

/**
 * The 202 of an accepted alert, its JSON written as text: the id is a UUID and the time ISO 8601,
 * nothing to escape, and Node 20's JSON.stringify checks every character of keys and values.
 */
export function acceptedResponse(orderId: string, receivedAt: string, requestId: string): Response {
  return new Response(`{"orderId":"${orderId}","status":"queued","receivedAt":"${receivedAt}"}`, {
    status: 202,
    headers: { "content-type": "application/json", "x-request-id": requestId },
  });
}

export function problemResponse(
  code: ErrorCode,
  requestId: string,
  options: { detail?: string; errors?: FieldError[]; headers?: Record<string, string> } = {},
): Response {
  return new Response(JSON.stringify(problemBody(code, requestId, options.detail, options.errors)), {
    status: errorCodes[code].status,
    headers: { "content-type": "application/problem+json", "x-request-id": requestId, ...options.headers },
  });
}
