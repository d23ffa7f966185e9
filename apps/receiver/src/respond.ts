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
