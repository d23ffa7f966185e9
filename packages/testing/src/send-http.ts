import { type Agent, request } from "node:http";

export interface HttpAnswer {
  /** 0 when no response arrived (see `error`). */
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** Network error code (ECONNRESET, ECONNREFUSED, …) or "timeout" when the client gave up. */
  error: string | null;
  ms: number;
}

export interface HttpRequest {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** The client's hard timeout: no answer by then counts as `timeout`. */
  timeoutMs?: number;
  agent?: Agent;
}

/** One HTTP request that never throws: network failures and timeouts come back as `error`. */
export function sendHttp(origin: string, options: HttpRequest): Promise<HttpAnswer> {
  const started = performance.now();
  const url = new URL(options.path, origin);
  return new Promise((resolve) => {
    let settled = false;
    const finish = (answer: Omit<HttpAnswer, "ms">) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...answer, ms: performance.now() - started });
    };
    const req = request(
      url,
      { method: options.method ?? "POST", headers: options.headers, agent: options.agent },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          finish({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(chunks).toString("utf8"),
            error: null,
          }),
        );
        res.on("error", (error: NodeJS.ErrnoException) =>
          finish({ status: 0, headers: {}, text: "", error: error.code ?? error.message }),
        );
      },
    );
    const timer = setTimeout(() => {
      finish({ status: 0, headers: {}, text: "", error: "timeout" });
      req.destroy();
    }, options.timeoutMs ?? 5_000);
    req.on("error", (error: NodeJS.ErrnoException) =>
      finish({ status: 0, headers: {}, text: "", error: error.code ?? error.message }),
    );
    req.end(options.body);
  });
}

/** `code` of a problem+json body, or "" when the body is not one. */
export function problemCode(text: string): string {
  try {
    const body = JSON.parse(text) as { code?: unknown };
    return typeof body.code === "string" ? body.code : "";
  } catch {
    return "";
  }
}

export function orderIdOf(text: string): string | null {
  try {
    const body = JSON.parse(text) as { orderId?: unknown };
    return typeof body.orderId === "string" ? body.orderId : null;
  } catch {
    return null;
  }
}
