import { headerValue } from "../load/http-response-parser";
import { KeepAliveClient } from "../load/keep-alive-client";

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

/** The load generator's keep-alive client behind promises, with a timeout so a lost answer cannot hang a scenario. */
export class StressClient {
  private readonly client: KeepAliveClient;
  private readonly host: string;
  private readonly waiting = new Map<number, (answer: StressAnswer) => void>();
  private nextTicket = 0;

  constructor(
    origin: string,
    connections: number,
    private readonly timeoutMs: number,
  ) {
    this.host = new URL(origin).host;
    this.client = new KeepAliveClient(origin, connections, (ticket, error, response) => {
      const resolve = this.waiting.get(ticket);
      if (!resolve) return;
      this.waiting.delete(ticket);
      if (error !== null || response === null) {
        resolve({ key: `error ${error ?? "unknown"}`, status: 0, orderId: null });
        return;
      }
      const { status } = response;
      const body = parse(response.body.toString());
      if (status >= 200 && status < 300) {
        const replayed = headerValue(response.head, "idempotent-replayed") === "true";
        resolve({
          key: replayed ? `${status} replayed` : String(status),
          status,
          orderId: typeof body.orderId === "string" ? body.orderId : null,
        });
        return;
      }
      const code = typeof body.code === "string" ? body.code : "";
      resolve({ key: `${status} ${code}`.trim(), status, orderId: null });
    });
  }

  send(request: StressRequest): Promise<StressAnswer> {
    const ticket = this.nextTicket++;
    const headers = { "content-type": "application/json", ...request.headers };
    let head = `POST ${request.path} HTTP/1.1\r\nhost: ${this.host}\r\n`;
    for (const [name, value] of Object.entries(headers)) head += `${name}: ${value}\r\n`;
    const bytes = `${head}content-length: ${Buffer.byteLength(request.body)}\r\n\r\n${request.body}`;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        if (this.waiting.delete(ticket)) resolve({ key: "error ETIMEDOUT", status: 0, orderId: null });
      }, this.timeoutMs);
      this.waiting.set(ticket, (answer) => {
        clearTimeout(timer);
        resolve(answer);
      });
      this.client.send(bytes, ticket);
    });
  }

  destroy(): void {
    this.client.destroy();
  }
}

export function sendRequest(client: StressClient, request: StressRequest): Promise<StressAnswer> {
  return client.send(request);
}

function parse(text: string): Record<string, unknown> {
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
