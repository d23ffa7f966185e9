import { randomUUID } from "node:crypto";
import { webhookUrl } from "@orderhook/admin";
import { Webhook } from "standardwebhooks";

/** What the receiver answered a test alert, or why it did not. */
export type TestAlertResult =
  | {
      kind: "answered";
      status: number;
      /** The problem's `code` for a refusal. */
      code: string | null;
      /** The answer's body, pretty-printed when it is JSON (at most 16 KiB). */
      body: string;
      orderId: string | null;
      /** `Idempotent-Replayed: true`: the same alert was sent before. */
      replayed: boolean;
      requestId: string | null;
    }
  | { kind: "unreachable"; reason: string };

export interface TestAlertInput {
  token: string;
  body: string;
  /** The webhook's `whsec_…` secret: a signed webhook's alert gets Standard Webhooks headers. */
  signingSecret: string | null;
  /** Sent as X-Request-Id, so the receiver's log line and the console's share it. */
  requestId: string;
}

export type TestAlertSender = (input: TestAlertInput) => Promise<TestAlertResult>;

const MAX_SHOWN = 16 * 1024;

function pretty(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2).slice(0, MAX_SHOWN);
  } catch {
    return text.slice(0, MAX_SHOWN);
  }
}

function field(text: string, name: string): string | null {
  try {
    const value = (JSON.parse(text) as Record<string, unknown>)[name];
    return typeof value === "string" ? value : null;
  } catch {
    return null;
  }
}

function whyUnreachable(error: unknown, receiverUrl: string, timeoutMs: number): string {
  const e = error as Error & { cause?: { code?: string; message?: string } };
  if (e.name === "TimeoutError") return `No answer from ${receiverUrl} within ${timeoutMs / 1000} s.`;
  const code = e.cause?.code ?? e.cause?.message ?? e.message;
  return `Could not reach the receiver at ${receiverUrl} (${code}); check CONSOLE_RECEIVER_URL.`;
}

/**
 * Posts a test alert to the real receiver over HTTP, as TradingView does (`text/plain`, the token
 * in the path), signed when the webhook requires it. The token is used for this request only:
 * it is neither stored nor logged, and never appears in what is returned.
 */
export function createTestAlertSender(options: { receiverUrl: string; timeoutMs?: number }): TestAlertSender {
  const { receiverUrl, timeoutMs = 10_000 } = options;
  return async function sendTestAlert(input) {
    const headers: Record<string, string> = {
      "content-type": "text/plain; charset=utf-8",
      "x-request-id": input.requestId,
      "user-agent": "orderhook-console",
    };
    if (input.signingSecret !== null) {
      const id = `msg_${randomUUID()}`;
      const at = new Date();
      headers["webhook-id"] = id;
      headers["webhook-timestamp"] = String(Math.floor(at.getTime() / 1000));
      headers["webhook-signature"] = new Webhook(input.signingSecret).sign(id, at, input.body);
    }
    let response: Response;
    let text: string;
    try {
      response = await fetch(webhookUrl(input.token, { publicUrl: receiverUrl, port: 0 }), {
        method: "POST",
        headers,
        body: input.body,
        redirect: "manual",
        signal: AbortSignal.timeout(timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      return { kind: "unreachable", reason: whyUnreachable(error, receiverUrl, timeoutMs) };
    }
    return {
      kind: "answered",
      status: response.status,
      code: response.ok ? null : field(text, "code"),
      body: pretty(text),
      orderId: response.ok ? field(text, "orderId") : null,
      replayed: response.headers.get("idempotent-replayed") === "true",
      requestId: response.headers.get("x-request-id"),
    };
  };
}
