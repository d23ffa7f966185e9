import { type ErrorCode, errorCodes, type FieldError } from "@orderhook/errors";

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  requestId: string;
  errors?: FieldError[];
}

/** RFC 9457 body for one of the closed error codes. */
export function problemBody(
  code: ErrorCode,
  requestId: string,
  detail: string | undefined,
  errors?: FieldError[],
): Problem {
  const spec = errorCodes[code];
  const body: Problem = {
    type: `urn:orderhook:problem:${code}`,
    title: spec.title,
    status: spec.status,
    detail: detail ?? spec.title,
    code,
    requestId,
  };
  if (errors !== undefined && errors.length > 0) body.errors = errors;
  return body;
}
