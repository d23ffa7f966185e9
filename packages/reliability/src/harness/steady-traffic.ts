import { Agent } from "node:http";
import { type HttpAnswer, orderIdOf, problemCode, sendHttp } from "./http-client";

export interface SteadyTrafficOptions {
  /** Receiver origin, or a function (the receiver may be replaced during the run). */
  origin: string | (() => string);
  /** Webhook tokens; alert n goes to tokens[n % length]. */
  tokens: string[];
  /** Alerts started per second (open loop: a slow answer does not slow the sender). */
  ratePerSecond: number;
  /** Label in every alert's comment and idempotency key, unique to the run. */
  tag: string;
  /** Attempts per alert; a sender retries 503, 409, 429, timeouts and network errors with the same key. */
  maxAttempts?: number;
  retryDelayMs?: number;
  /** The sender's hard timeout per attempt (TradingView gives up after 3 s). */
  timeoutMs?: number;
}

export interface Attempt {
  status: number;
  code: string;
  error: string | null;
  orderId: string | null;
  ms: number;
}

export interface SentAlert {
  n: number;
  comment: string;
  attempts: Attempt[];
}

/** Answers by kind: "202", "200", "503 unavailable", "error ECONNRESET", "timeout"… */
export type OutcomeCounts = Record<string, number>;

function classify(answer: HttpAnswer): Attempt {
  const code = answer.status >= 400 ? problemCode(answer.text) : "";
  return {
    status: answer.status,
    code,
    error: answer.error,
    orderId: answer.status >= 200 && answer.status < 300 ? orderIdOf(answer.text) : null,
    ms: answer.ms,
  };
}

function outcomeKey(attempt: Attempt): string {
  if (attempt.error !== null) return attempt.error === "timeout" ? "timeout" : `error ${attempt.error}`;
  return attempt.code === "" ? String(attempt.status) : `${attempt.status} ${attempt.code}`;
}

const RETRYABLE_STATUS = new Set([0, 409, 429, 502, 503, 504]);

/**
 * A sender at a steady rate of unique alerts, each with its own Idempotency-Key, retrying
 * like a well-behaved client. Every answer is kept for the accounting check.
 */
export class SteadyTraffic {
  readonly alerts: SentAlert[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private readonly agent = new Agent({ keepAlive: true });
  private ticker: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly options: SteadyTrafficOptions) {}

  start(): this {
    const started = performance.now();
    let sent = 0;
    this.ticker = setInterval(() => {
      const due = Math.floor(((performance.now() - started) / 1000) * this.options.ratePerSecond);
      while (sent < due && !this.stopped) this.track(this.sendAlert(sent++));
    }, 10);
    return this;
  }

  /** Stops starting alerts and waits for every started one to finish its attempts. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.ticker);
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
    this.agent.destroy();
  }

  /** Sends for `ms`, then waits for every alert's attempts to finish. */
  async runFor(ms: number): Promise<void> {
    this.start();
    await new Promise((resolve) => setTimeout(resolve, ms));
    await this.stop();
  }

  /** Alerts whose attempts are not finished yet. */
  get inFlightCount(): number {
    return this.inFlight.size;
  }

  get tag(): string {
    return this.options.tag;
  }

  get sentCount(): number {
    return this.alerts.length;
  }

  /** Distinct orderIds acknowledged with a 2xx, per alert. */
  acked(): Map<string, Set<string>> {
    const byComment = new Map<string, Set<string>>();
    for (const alert of this.alerts) {
      const ids = new Set(alert.attempts.map((a) => a.orderId).filter((id): id is string => id !== null));
      if (ids.size > 0) byComment.set(alert.comment, ids);
    }
    return byComment;
  }

  /** How many answers of each kind, over every attempt. */
  outcomes(): OutcomeCounts {
    const counts: OutcomeCounts = {};
    for (const alert of this.alerts) {
      for (const attempt of alert.attempts) {
        const key = outcomeKey(attempt);
        counts[key] = (counts[key] ?? 0) + 1;
      }
    }
    return counts;
  }

  /** Slowest answer (or timeout) over every attempt, ms. */
  slowestMs(filter: (attempt: Attempt) => boolean = () => true): number {
    let slowest = 0;
    for (const alert of this.alerts)
      for (const a of alert.attempts) if (filter(a)) slowest = Math.max(slowest, a.ms);
    return slowest;
  }

  private track(promise: Promise<void>): void {
    this.inFlight.add(promise);
    void promise.finally(() => this.inFlight.delete(promise));
  }

  private origin(): string {
    const { origin } = this.options;
    return typeof origin === "string" ? origin : origin();
  }

  private async sendAlert(n: number): Promise<void> {
    const { tokens, tag, maxAttempts = 1, retryDelayMs = 250, timeoutMs = 3_000 } = this.options;
    const comment = `${tag}-${n}`;
    const alert: SentAlert = { n, comment, attempts: [] };
    this.alerts.push(alert);
    const body = `{"ticker":"AAPL","action":"buy","quantity":1,"comment":"${comment}"}`;
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const answer = await sendHttp(this.origin(), {
        path: `/v1/webhooks/${tokens[n % tokens.length]}`,
        headers: { "content-type": "application/json", "idempotency-key": comment },
        body,
        timeoutMs,
        agent: this.agent,
      });
      const result = classify(answer);
      alert.attempts.push(result);
      if (!RETRYABLE_STATUS.has(result.status) || attempt === maxAttempts) return;
      await new Promise((resolve) => setTimeout(resolve, retryDelayMs * attempt));
    }
  }
}
