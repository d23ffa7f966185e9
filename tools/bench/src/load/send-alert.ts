import type { HttpResponse } from "./http-response-parser";
import type { LoadTarget } from "./load-spec";

export interface SendOutcome {
  /** `202`, `429 rate_limited`, `error ECONNRESET`… */
  key: string;
  orderId: string | null;
}

export function alertBody(tag: string, n: number): string {
  return `{"ticker":"AAPL","action":"buy","quantity":1,"comment":"${tag}-${n}"}`;
}

/** Builds the bytes of alert requests for one target: the head is fixed per path, only the body and its length vary. */
export function alertRequests(target: LoadTarget): (n: number) => string {
  const host = new URL(target.origin).host;
  const heads = target.paths.map(
    (path) => `POST ${path} HTTP/1.1\r\nhost: ${host}\r\ncontent-type: application/json\r\ncontent-length: `,
  );
  return (n) => {
    const body = alertBody(target.tag, n);
    return `${heads[n % heads.length]}${Buffer.byteLength(body)}\r\n\r\n${body}`;
  };
}

/** Classifies an answer (or a transport error code) as an outcome key, with the orderId of a 2xx. */
export function outcomeOf(error: string | null, response: HttpResponse | null): SendOutcome {
  if (error !== null || response === null) return { key: `error ${error ?? "unknown"}`, orderId: null };
  const { status } = response;
  // Only bodies that can hold the field are parsed: the floor's {"ok":true} costs no JSON.parse.
  if (status >= 200 && status < 300) {
    const text = response.body.toString();
    return { key: String(status), orderId: text.includes("orderId") ? orderIdOf(text) : null };
  }
  return { key: `${status} ${problemCode(response.body.toString())}`.trim(), orderId: null };
}

function orderIdOf(text: string): string | null {
  try {
    const body = JSON.parse(text) as { orderId?: unknown };
    return typeof body.orderId === "string" ? body.orderId : null;
  } catch {
    return null;
  }
}

function problemCode(text: string): string {
  try {
    const body = JSON.parse(text) as { code?: unknown };
    return typeof body.code === "string" ? body.code : "";
  } catch {
    return "";
  }
}
