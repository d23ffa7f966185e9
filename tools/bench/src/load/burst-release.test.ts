import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { type BurstHooks, runBurst } from "./burst-release";
import type { BurstSpec } from "./load-spec";

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** A node:http server; `post` answers each POST with the comment of its alert and its path. */
async function httpServer(
  post: (req: IncomingMessage, res: ServerResponse, alert: { comment: string }) => void,
  health = 200,
) {
  const seen = { posts: 0, sockets: new Set<unknown>() };
  const server = createServer((req, res) => {
    seen.sockets.add(req.socket);
    if (req.method === "GET") {
      res.writeHead(health, { "content-type": "text/plain" }).end("ok");
      return;
    }
    seen.posts++;
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => post(req, res, JSON.parse(Buffer.concat(chunks).toString()) as { comment: string }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  servers.push(server);
  const { port } = server.address() as { port: number };
  return { origin: `http://127.0.0.1:${port}`, seen };
}

const echoOrderId = (req: IncomingMessage, res: ServerResponse, alert: { comment: string }) =>
  res
    .writeHead(202, { "content-type": "application/json" })
    .end(JSON.stringify({ orderId: `${alert.comment}@${req.url}` }));

function spec(origin: string, alerts: number, connections: number): BurstSpec {
  return {
    kind: "burst",
    target: { origin, paths: ["/v1/webhooks/a", "/v1/webhooks/b", "/v1/webhooks/c"], tag: "t" },
    alerts,
    connections,
    drainTimeoutMs: 10_000,
  };
}

const hooks = (onReady: () => void = () => {}): BurstHooks & { answeredCalls: number } => {
  const h = {
    answeredCalls: 0,
    ready: async () => onReady(),
    answered: () => {
      h.answeredCalls++;
    },
  };
  return h;
};

describe("runBurst", () => {
  it("warms every connection before the release and matches each pipelined answer to its own request", async () => {
    const server = await httpServer(echoOrderId);
    let postsBeforeRelease = -1;
    let socketsAtRelease = -1;
    const h = hooks(() => {
      postsBeforeRelease = server.seen.posts;
      socketsAtRelease = server.seen.sockets.size;
    });
    const result = await runBurst(spec(server.origin, 500, 16), h);

    expect(postsBeforeRelease).toBe(0);
    expect(socketsAtRelease).toBe(16);
    // Nothing connected after the release: the burst went over the warm connections only.
    expect(server.seen.sockets.size).toBe(16);
    expect(result).toMatchObject({ alerts: 500, connections: 16, unfinished: 0, outcomes: { "202": 500 } });
    const paths = ["/v1/webhooks/a", "/v1/webhooks/b", "/v1/webhooks/c"];
    expect(new Set(result.acks.map((a) => a.orderId))).toEqual(
      new Set(Array.from({ length: 500 }, (_, n) => `t-${n}@${paths[n % 3]}`)),
    );
    expect(result.latency.count).toBe(500);
    expect(result.percentMs).toHaveLength(101);
    expect(result.percentMs).toEqual([...result.percentMs].sort((a, b) => a - b));
    expect(result.percentMs[100]).toBe(result.latency.max);
    expect(h.answeredCalls).toBe(1);
  });

  it("queued: keeps one request in flight per connection and writes the next as each answer arrives", async () => {
    let inFlight = 0;
    let most = 0;
    const server = await httpServer((req, res, alert) => {
      most = Math.max(most, ++inFlight);
      setTimeout(() => {
        inFlight--;
        echoOrderId(req, res, alert);
      }, 1);
    });
    const result = await runBurst({ ...spec(server.origin, 60, 4), send: "queued" }, hooks());
    expect(result).toMatchObject({ send: "queued", unfinished: 0, outcomes: { "202": 60 } });
    expect(new Set(result.acks.map((a) => a.orderId)).size).toBe(60);
    expect(most).toBeLessThanOrEqual(4);
    expect(server.seen.sockets.size).toBe(4);
  });

  it("counts the requests still owed on a connection the server closes as failed, not lost from the books", async () => {
    let posts = 0;
    const server = await httpServer((req, res, alert) => {
      // The third request to arrive: the server drops that connection without answering it.
      if (++posts === 3) req.socket.destroy();
      else echoOrderId(req, res, alert);
    });
    const result = await runBurst(spec(server.origin, 40, 4), hooks());

    const answered = Object.values(result.outcomes).reduce((a, b) => a + b, 0);
    expect(answered, JSON.stringify(result.outcomes)).toBe(40);
    expect(result.outcomes["error ECONNRESET"], JSON.stringify(result.outcomes)).toBeGreaterThan(0);
    expect(result.acks.length + result.outcomes["error ECONNRESET"]!).toBe(40);
    expect(result.unfinished).toBe(0);
  });

  it("gives up on answers after the drain timeout and counts them unanswered and over 3 s", async () => {
    const server = await httpServer(() => {}); // never answers a POST
    const result = await runBurst({ ...spec(server.origin, 10, 2), drainTimeoutMs: 3_100 }, hooks());
    expect(result).toMatchObject({ unfinished: 10, over3s: 10, outcomes: {} });
    expect(result.latency.count).toBe(10);
  });

  it("refuses to release when a connection cannot be warmed, naming the answer", async () => {
    const server = await httpServer(echoOrderId, 503);
    await expect(runBurst(spec(server.origin, 10, 2), hooks())).rejects.toThrow(
      "warming a connection failed: GET /healthz answered 503",
    );
    expect(server.seen.posts).toBe(0);
  });
});
