import { randomBytes } from "node:crypto";
import { Agent } from "node:http";
import { type HttpAnswer, orderIdOf, problemCode, sendHttp } from "./send-http";

export interface AlertTrafficOptions {
  /** Receiver origin, or a function (the receiver may be replaced during the run). */
  origin: string | (() => string);
  /** Webhook tokens; alert n goes to tokens[n % length]. */
  tokens: readonly string[];
  /** Alerts started per second (open loop: a slow answer does not slow the sender). */
  ratePerSecond: number;
  /** Alert n's Idempotency-Key (and default comment) is `<tag>-<n>`; random by default. */
  tag?: string;
  /** The body of alert n; by default a market buy commented with its idempotency key. */
  body?: (n: number) => unknown;
  /** Attempts per alert; a sender retries 409, 429, 502–504, timeouts and network errors with the same key. */
  maxAttempts?: number;
  retryDelayMs?: number;
  /** The sender's hard timeout per attempt (TradingView gives up after 3 s). */
  timeoutMs?: number;
}

export interface AlertAttempt {
  /** HTTP status, or 0 when no answer arrived (see `error`). */
  status: number;
  /** Problem `code` of an error answer, "" otherwise. */
  code: string;
  /** Network error code (ECONNRESET, ECONNREFUSED, …) or "timeout" when the sender gave up. */
  error: string | null;
  /** The orderId of a 2xx answer. */
  orderId: string | null;
  ms: number;
}

export interface SentAlert {
  n: number;
  /** Ties the alert to its order row. */
  idempotencyKey: string;
  attempts: AlertAttempt[];
}

const RETRYABLE_STATUS = new Set([0, 409, 429, 502, 503, 504]);

function attemptOf(answer: HttpAnswer): AlertAttempt {
  return {
    status: answer.status,
    code: answer.status >= 400 ? problemCode(answer.text) : "",
    error: answer.error,
    orderId: answer.status >= 200 && answer.status < 300 ? orderIdOf(answer.text) : null,
    ms: answer.ms,
  };
}

/** "202", "200", "503 unavailable", "error ECONNRESET", "timeout"… */
function outcomeOf(attempt: AlertAttempt): string {
  if (attempt.error !== null) return attempt.error === "timeout" ? "timeout" : `error ${attempt.error}`;
  return attempt.code === "" ? String(attempt.status) : `${attempt.status} ${attempt.code}`;
}

/**
 * Webhook traffic at a steady rate, each alert with its own Idempotency-Key, retried like a
 * careful sender would. Every attempt is kept, so a scenario can check with `auditOrders`
 * that each acked orderId became exactly one row.
 */
export class AlertTraffic {
  readonly tag: string;
  /** Every alert started, in order of n. */
  readonly alerts: SentAlert[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private readonly agent = new Agent({ keepAlive: true });
  private readonly ticker: NodeJS.Timeout;
  private stopped = false;

  private constructor(private readonly options: AlertTrafficOptions) {
    this.tag = options.tag ?? `traffic-${randomBytes(4).toString("hex")}`;
    const started = performance.now();
    let sent = 0;
    this.ticker = setInterval(() => {
      const due = Math.floor(((performance.now() - started) / 1000) * options.ratePerSecond);
      while (sent < due && !this.stopped) this.track(this.send(sent++));
    }, 10);
  }

  static start(options: AlertTrafficOptions): AlertTraffic {
    return new AlertTraffic(options);
  }

  /** Stops starting alerts and waits for every started one to finish its attempts. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.ticker);
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
    this.agent.destroy();
  }

  /** Alerts whose attempts are not finished yet. */
  get inFlightCount(): number {
    return this.inFlight.size;
  }

  /** Distinct orderIds answered with a 2xx: what orderhook promised to keep. */
  ackedOrderIds(): string[] {
    const ids = this.alerts.flatMap((alert) => alert.attempts.map((a) => a.orderId));
    return [...new Set(ids.filter((id): id is string => id !== null))];
  }

  /** How many answers of each kind, over every attempt. */
  outcomes(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const alert of this.alerts) {
      for (const attempt of alert.attempts) {
        const key = outcomeOf(attempt);
        counts[key] = (counts[key] ?? 0) + 1;
      }
    }
    return counts;
  }

  /** Slowest answer (or timeout) over every attempt, ms. */
  slowestMs(filter: (attempt: AlertAttempt) => boolean = () => true): number {
    let slowest = 0;
    for (const alert of this.alerts)
      for (const a of alert.attempts) if (filter(a)) slowest = Math.max(slowest, a.ms);
    return slowest;
  }

  private track(promise: Promise<void>): void {
    this.inFlight.add(promise);
    void promise.finally(() => this.inFlight.delete(promise));
  }

  private async send(n: number): Promise<void> {
    const { origin, tokens, maxAttempts = 1, retryDelayMs = 250, timeoutMs = 3_000 } = this.options;
    const idempotencyKey = `${this.tag}-${n}`;
    const alert: SentAlert = { n, idempotencyKey, attempts: [] };
    this.alerts.push(alert);
    const body = JSON.stringify(
      this.options.body?.(n) ?? { ticker: "AAPL", action: "buy", quantity: 1, comment: idempotencyKey },
    );
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const answer = await sendHttp(typeof origin === "string" ? origin : origin(), {
        path: `/v1/webhooks/${tokens[n % tokens.length]}`,
        headers: { "content-type": "application/json", "idempotency-key": idempotencyKey },
        body,
        timeoutMs,
        agent: this.agent,
      });
      const result = attemptOf(answer);
      alert.attempts.push(result);
      if (!RETRYABLE_STATUS.has(result.status) || attempt === maxAttempts) return;
      await new Promise((resolve) => setTimeout(resolve, retryDelayMs * attempt));
    }
  }
}
