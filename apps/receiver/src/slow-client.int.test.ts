import { Agent, request } from "node:http";
import { type RunningServer, startServer } from "@orderhook/http";
import {
  type Fixture,
  type SlowRequestOptions,
  type SlowRequestResult,
  slowRequest,
} from "@orderhook/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buyAlert, createTestReceiver, type TestReceiver } from "../test/receiver-harness";

let r: TestReceiver;
let f: Fixture;
let server: RunningServer;
const serverErrors: unknown[] = [];

// Short bounds so the cut-off shows within a test; the client gives up only far past them.
const timeouts = {
  headersTimeoutMs: 1_000,
  requestTimeoutMs: 2_000,
  connectionsCheckingIntervalMs: 200,
  keepAliveTimeoutMs: 65_000,
};
const CLIENT_GIVES_UP_MS = 20_000;

beforeAll(async () => {
  r = await createTestReceiver({ onError: (error) => serverErrors.push(error) });
  f = await r.fixture();
  server = await startServer(r.app, { port: 0, hostname: "127.0.0.1", timeouts });
});
afterAll(async () => {
  await server.close(1_000);
  await r.close();
});

function webhookUrl(): string {
  return `http://127.0.0.1:${server.port}/v1/webhooks/${f.token}`;
}

async function postAlert(idempotencyKey: string): Promise<{ status: number; text: string }> {
  const response = await fetch(webhookUrl(), {
    method: "POST",
    headers: { "content-type": "text/plain", "idempotency-key": idempotencyKey },
    body: JSON.stringify(buyAlert),
  });
  return { status: response.status, text: await response.text() };
}

function postOn(
  agent: Agent,
  idempotencyKey: string,
): Promise<{ status: number; text: string; reusedSocket: boolean }> {
  return new Promise((resolve, reject) => {
    const req = request(
      webhookUrl(),
      { method: "POST", agent, headers: { "content-type": "text/plain", "idempotency-key": idempotencyKey } },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          text += chunk;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text, reusedSocket: req.reusedSocket }));
      },
    );
    req.on("error", reject);
    req.end(JSON.stringify(buyAlert));
  });
}

/** Runs a trickling client and, meanwhile, one normal alert; both outcomes, once both ended. */
async function slowClientBesideNormalOne(
  slow: Pick<SlowRequestOptions, "body" | "headers" | "slowPart">,
  idempotencyKey: string,
): Promise<{ normal: { status: number; text: string }; slow: SlowRequestResult }> {
  const trickle = slowRequest({
    url: webhookUrl(),
    chunkBytes: 1,
    delayMs: 50,
    maxMs: CLIENT_GIVES_UP_MS,
    ...slow,
  });
  const normal = await postAlert(idempotencyKey);
  return { normal, slow: await trickle };
}

function expectCutOffWith408(result: SlowRequestResult): void {
  expect(result.endedBy, JSON.stringify(result)).toBe("server");
  expect(result.status, JSON.stringify(result)).toBe(408);
  expect(result.bytesSent, JSON.stringify(result)).toBeLessThan(result.requestBytes);
}

describe("slow clients on a listening server", () => {
  it("cuts off a client trickling its headers with 408 while another client's alert is accepted", async () => {
    const { normal, slow } = await slowClientBesideNormalOne(
      { body: JSON.stringify(buyAlert), headers: { "x-padding": "p".repeat(200) } },
      "served-during-slow-headers",
    );
    expect(normal.status, normal.text).toBe(202);
    expectCutOffWith408(slow);
  });

  it("cuts off a client trickling its body with 408 and queues nothing for it", async () => {
    const waitingBefore = await r.queue.getWaitingCount();
    const { normal, slow } = await slowClientBesideNormalOne(
      { body: JSON.stringify({ ...buyAlert, comment: "c".repeat(400) }), slowPart: "body" },
      "served-during-slow-body",
    );
    expect(normal.status, normal.text).toBe(202);
    expectCutOffWith408(slow);
    // Only the normal client's alert became a job, and the cut-off is not a server error.
    expect(await r.queue.getWaitingCount()).toBe(waitingBefore + 1);
    expect(serverErrors.map(String)).toEqual([]);
  });

  it("keeps serving a keep-alive connection that sat idle longer than the header bound", async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const first = await postOn(agent, "keep-alive-1");
      await new Promise((resolve) => setTimeout(resolve, timeouts.headersTimeoutMs * 2));
      const second = await postOn(agent, "keep-alive-2");
      expect(first.status, first.text).toBe(202);
      expect(second.status, second.text).toBe(202);
      expect(second.reusedSocket, "the second request should ride the idle connection").toBe(true);
    } finally {
      agent.destroy();
    }
  });
});
