import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { slowRequest } from "./slow-request";

let guarded: Server;
let lenient: Server;
const url = (server: Server) =>
  `http://127.0.0.1:${(server.address() as { port: number }).port}/v1/webhooks/oh_x`;

function listen(server: Server) {
  server.on("request", (request, response) => {
    request.resume();
    request.on("end", () => response.writeHead(202).end("{}"));
  });
  return new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
}

beforeAll(async () => {
  // Short header and request timeouts, checked often: slow clients are cut off quickly.
  guarded = createServer({ headersTimeout: 300, requestTimeout: 600, connectionsCheckingInterval: 50 });
  lenient = createServer();
  await Promise.all([listen(guarded), listen(lenient)]);
});

afterAll(() => {
  guarded.closeAllConnections();
  lenient.closeAllConnections();
  guarded.close();
  lenient.close();
});

describe("slowRequest", () => {
  it("is cut off by a server with a header timeout long before its request is sent", async () => {
    const result = await slowRequest({
      url: url(guarded),
      body: '{"ticker":"AAPL"}',
      delayMs: 50,
      maxMs: 20_000,
    });
    expect(result.endedBy, JSON.stringify(result)).toBe("server");
    expect(result.status).toBe(408);
    expect(result.bytesSent).toBeLessThan(result.requestBytes);
  });

  it("is cut off while trickling only the body", async () => {
    const result = await slowRequest({
      url: url(guarded),
      body: JSON.stringify({ ticker: "AAPL", comment: "x".repeat(500) }),
      slowPart: "body",
      delayMs: 50,
      maxMs: 20_000,
    });
    expect(result.endedBy, JSON.stringify(result)).toBe("server");
    expect(result.bytesSent).toBeLessThan(result.requestBytes);
  });

  it("gets its answer when the server has no such timeouts and the trickle is short", async () => {
    const result = await slowRequest({ url: url(lenient), body: "{}", chunkBytes: 64, delayMs: 5 });
    expect(result, JSON.stringify(result)).toMatchObject({ endedBy: "server", status: 202 });
    expect(result.bytesSent).toBe(result.requestBytes);
  });

  it("gives up after maxMs against a server that never cuts it off", async () => {
    const result = await slowRequest({
      url: url(lenient),
      body: "x".repeat(1_000),
      delayMs: 100,
      maxMs: 300,
    });
    expect(result.endedBy).toBe("gaveUp");
    expect(result.status).toBeNull();
  });
});
