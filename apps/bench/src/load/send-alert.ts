import type { Pool } from "undici";
import type { LoadTarget } from "./load-spec";

export interface SendOutcome {
  /** `202`, `429 rate_limited`, `error ECONNRESET`… */
  key: string;
  orderId: string | null;
}

export function alertBody(tag: string, n: number): string {
  return `{"ticker":"AAPL","action":"buy","quantity":1,"comment":"${tag}-${n}"}`;
}

const HEADERS = { "content-type": "application/json" };

/** Sends alert number `n` and classifies the answer; never throws. */
export async function sendAlert(pool: Pool, target: LoadTarget, n: number): Promise<SendOutcome> {
  const path = target.paths[n % target.paths.length]!;
  try {
    const res = await pool.request({
      method: "POST",
      path,
      headers: HEADERS,
      body: alertBody(target.tag, n),
    });
    const text = await res.body.text();
    if (res.statusCode >= 200 && res.statusCode < 300) {
      return { key: String(res.statusCode), orderId: orderIdOf(text) };
    }
    return { key: `${res.statusCode} ${problemCode(text)}`.trim(), orderId: null };
  } catch (error) {
    const code = (error as { code?: string }).code ?? (error as Error).name;
    return { key: `error ${code}`, orderId: null };
  }
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
