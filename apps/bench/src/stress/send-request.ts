import type { Pool } from "undici";

export interface StressRequest {
  path: string;
  body: string;
  headers?: Record<string, string>;
}

export interface StressAnswer {
  /** `202`, `200 replayed`, `429 rate_limited`, `error ECONNRESET`… */
  key: string;
  status: number;
  orderId: string | null;
}

export async function sendRequest(pool: Pool, request: StressRequest): Promise<StressAnswer> {
  try {
    const res = await pool.request({
      method: "POST",
      path: request.path,
      headers: { "content-type": "application/json", ...request.headers },
      body: request.body,
    });
    const text = await res.body.text();
    const body = parse(text);
    if (res.statusCode >= 200 && res.statusCode < 300) {
      const replayed = res.headers["idempotent-replayed"] === "true";
      return {
        key: replayed ? `${res.statusCode} replayed` : String(res.statusCode),
        status: res.statusCode,
        orderId: typeof body.orderId === "string" ? body.orderId : null,
      };
    }
    const code = typeof body.code === "string" ? body.code : "";
    return { key: `${res.statusCode} ${code}`.trim(), status: res.statusCode, orderId: null };
  } catch (error) {
    const code = (error as { code?: string }).code ?? (error as Error).name;
    return { key: `error ${code}`, status: 0, orderId: null };
  }
}

function parse(text: string): Record<string, unknown> {
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
