import { randomBytes } from "node:crypto";

export interface AlertTrafficOptions {
  /** The webhook URL, `http://127.0.0.1:<port>/v1/webhooks/<token>`. */
  url: string;
  /** Requests started per second (open loop: a slow answer does not slow the sender). */
  ratePerSecond: number;
  /** The body of the n-th alert; by default a market buy with its own idempotency key. */
  body?: (n: number) => unknown;
  /** Extra headers of the n-th request. */
  headers?: (n: number) => Record<string, string>;
  /** Per-request client timeout; a request past it counts as `timeout`. */
  timeoutMs?: number;
}

export interface AlertResponse {
  n: number;
  /** HTTP status, or 0 when the request failed without one (refused, reset, timed out). */
  status: number;
  /** Problem `code` of an error answer, or the network error's code. */
  code: string | null;
  orderId: string | null;
  /** The request's idempotency key (header, else body), which ties it to its order row. */
  idempotencyKey: string | null;
  startedAt: number;
  durationMs: number;
}

export interface AlertTrafficReport {
  sent: number;
  responses: AlertResponse[];
  /** orderIds of 202 and 200 (replayed) answers: what orderhook promised to keep. */
  acked: string[];
  /** Count per status (0 = no HTTP answer). */
  statuses: Record<number, number>;
}

function keyOf(body: unknown, headers: Record<string, string>): string | null {
  for (const [name, value] of Object.entries(headers))
    if (name.toLowerCase() === "idempotency-key") return value;
  const key = (body as { idempotencyKey?: unknown } | null)?.idempotencyKey;
  return typeof key === "string" ? key : null;
}

async function send(options: AlertTrafficOptions, n: number, run: string): Promise<AlertResponse> {
  const body = options.body
    ? options.body(n)
    : { ticker: "AAPL", action: "buy", quantity: 1, idempotencyKey: `traffic-${run}-${n}` };
  const headers = { "content-type": "application/json", ...options.headers?.(n) };
  const idempotencyKey = keyOf(body, headers);
  const startedAt = Date.now();
  const started = performance.now();
  try {
    const response = await fetch(options.url, {
      method: "POST",
      headers,
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
    const text = await response.text();
    let json: { orderId?: unknown; code?: unknown } = {};
    try {
      json = JSON.parse(text);
    } catch {
      // A body that is not JSON is recorded by its status alone.
    }
    return {
      n,
      status: response.status,
      code: typeof json.code === "string" ? json.code : null,
      orderId: typeof json.orderId === "string" ? json.orderId : null,
      idempotencyKey,
      startedAt,
      durationMs: performance.now() - started,
    };
  } catch (error) {
    // fetch wraps the socket error ("fetch failed"); its cause says what happened.
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const code =
      (error as Error).name === "TimeoutError"
        ? "timeout"
        : (cause?.code ?? cause?.message ?? (error as Error).name);
    return {
      n,
      status: 0,
      code,
      orderId: null,
      idempotencyKey,
      startedAt,
      durationMs: performance.now() - started,
    };
  }
}

/**
 * Steady webhook traffic for fault scenarios: runs until `stop()`, which waits for the
 * answers still in flight and reports every one, so a scenario can check that each 202's
 * orderId became exactly one row.
 */
export function startAlertTraffic(options: AlertTrafficOptions) {
  const pending = new Set<Promise<void>>();
  const responses: AlertResponse[] = [];
  const intervalMs = 1_000 / options.ratePerSecond;
  const begin = performance.now();
  const run = randomBytes(4).toString("hex");
  let sent = 0;
  let stopped = false;

  const tick = () => {
    if (stopped) return;
    const due = Math.floor((performance.now() - begin) / intervalMs) + 1;
    while (sent < due) {
      const request = send(options, sent++, run).then((response) => {
        responses.push(response);
      });
      pending.add(request);
      void request.finally(() => pending.delete(request));
    }
    timer = setTimeout(tick, Math.max(1, intervalMs));
  };
  let timer = setTimeout(tick, 0);

  return {
    /** Answers so far (for waiting until traffic is flowing). */
    get responses(): readonly AlertResponse[] {
      return responses;
    },
    async stop(): Promise<AlertTrafficReport> {
      stopped = true;
      clearTimeout(timer);
      await Promise.all([...pending]);
      responses.sort((a, b) => a.n - b.n);
      const statuses: Record<number, number> = {};
      for (const r of responses) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
      return {
        sent,
        responses,
        acked: [
          ...new Set(
            responses
              .filter((r) => (r.status === 202 || r.status === 200) && r.orderId)
              .map((r) => r.orderId!),
          ),
        ],
        statuses,
      };
    },
  };
}
