import { Agent } from "node:http";
import { type HttpAnswer, orderIdOf, problemCode, sendHttp } from "@orderhook/testing";

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

/**
 * The stress scenarios' client: the toolkit's `sendHttp` over a pool of keep-alive sockets,
 * with a timeout so a lost answer cannot hang a scenario.
 */
export class StressClient {
  private readonly agent: Agent;

  constructor(
    private readonly origin: string,
    connections: number,
    private readonly timeoutMs: number,
  ) {
    this.agent = new Agent({ keepAlive: true, maxSockets: connections });
  }

  async send(request: StressRequest): Promise<StressAnswer> {
    const answer = await sendHttp(this.origin, {
      path: request.path,
      body: request.body,
      headers: { "content-type": "application/json", ...request.headers },
      timeoutMs: this.timeoutMs,
      agent: this.agent,
    });
    return stressAnswer(answer);
  }

  destroy(): void {
    this.agent.destroy();
  }
}

export function sendRequest(client: StressClient, request: StressRequest): Promise<StressAnswer> {
  return client.send(request);
}

function stressAnswer(answer: HttpAnswer): StressAnswer {
  if (answer.error !== null) {
    const error = answer.error === "timeout" ? "ETIMEDOUT" : answer.error;
    return { key: `error ${error}`, status: 0, orderId: null };
  }
  const { status } = answer;
  if (status >= 200 && status < 300) {
    const replayed = answer.headers["idempotent-replayed"] === "true";
    return { key: replayed ? `${status} replayed` : String(status), status, orderId: orderIdOf(answer.text) };
  }
  return { key: `${status} ${problemCode(answer.text)}`.trim(), status, orderId: null };
}
