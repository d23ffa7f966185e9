import { connect, type Socket } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { type AppProcess, sendHttp } from "@orderhook/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recordMeasurement } from "./harness/measurements";
import { Scenario } from "./harness/scenario";

let scenario: Scenario;
let receiver: AppProcess;
let port: number;

beforeAll(async () => {
  scenario = await Scenario.create("rawhttp");
  receiver = await scenario.startReceiver();
  port = Number(new URL(receiver.origin).port);
}, 60_000);
afterAll(async () => {
  await scenario?.close();
});

const LIMIT = 65_536;

interface RawExchange {
  socket: Socket;
  /** Everything the server sent so far. */
  received(): string;
  /** Resolves with the first response's head once it has arrived (or "" if the socket closed first). */
  response: Promise<string>;
  closed: Promise<number>;
}

/** A TCP client that writes exactly what a test says, so headers and framing can be wrong on purpose. */
function rawConnection(): RawExchange {
  const socket = connect(port, "127.0.0.1");
  socket.on("error", () => {});
  let data = "";
  const opened = Date.now();
  const response = new Promise<string>((resolve) => {
    socket.on("data", (chunk: Buffer) => {
      data += chunk.toString("latin1");
      if (data.includes("\r\n\r\n")) resolve(data);
    });
    socket.on("close", () => resolve(data));
  });
  const closed = new Promise<number>((resolve) => socket.on("close", () => resolve(Date.now() - opened)));
  return { socket, received: () => data, response, closed };
}

function statusOf(head: string): number {
  return Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
}

function requestHead(token: string, headers: string[]): string {
  return [`POST /v1/webhooks/${token} HTTP/1.1`, "Host: 127.0.0.1", ...headers, "", ""].join("\r\n");
}

describe("oversized bodies", () => {
  it("answers 413 to a declared Content-Length over the limit without waiting for the body", async () => {
    const raw = rawConnection();
    raw.socket.write(requestHead(scenario.tokens[0]!, [`Content-Length: ${100 * 1024 * 1024}`]));
    const head = await raw.response;
    raw.socket.destroy();
    expect(statusOf(head), head).toBe(413);
    expect(head.toLowerCase(), head).toContain("application/problem+json");
  });

  it("answers 413 to a chunked body as soon as it passes the limit, while the sender is still sending", async () => {
    const raw = rawConnection();
    raw.socket.write(requestHead(scenario.tokens[0]!, ["Transfer-Encoding: chunked"]));
    const chunk = Buffer.alloc(8 * 1024, "a");
    let sent = 0;
    let answered = false;
    void raw.response.then(() => {
      answered = true;
    });
    // Up to 16 MiB, paced so the answer can overtake it.
    while (!answered && sent < 16 * 1024 * 1024 && !raw.socket.destroyed) {
      raw.socket.write(`${chunk.length.toString(16)}\r\n`);
      raw.socket.write(chunk);
      raw.socket.write("\r\n");
      sent += chunk.length;
      if (sent % (64 * 1024) === 0) await sleep(5);
    }
    const head = await raw.response;
    raw.socket.destroy();
    expect(statusOf(head), head).toBe(413);
    // What the sender had pushed when the 413 came: bounded by the limit plus socket buffers, not 16 MiB.
    expect(sent, `sent ${sent} bytes before the 413`).toBeLessThan(16 * 1024 * 1024);
    recordMeasurement("chunked oversize", { limitBytes: LIMIT, bytesSentBefore413: sent });
  });

  it("refuses a request carrying both Content-Length and Transfer-Encoding with a 4xx and no order", async () => {
    const raw = rawConnection();
    const comment = `${scenario.tag}-smuggled`;
    const body = `{"ticker":"AAPL","action":"buy","quantity":1,"comment":"${comment}"}`;
    raw.socket.write(
      requestHead(scenario.tokens[0]!, ["Content-Length: 10", "Transfer-Encoding: chunked"]) +
        `${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`,
    );
    const head = await raw.response;
    raw.socket.destroy();
    const status = statusOf(head);
    expect(status >= 400 && status < 500, head).toBe(true);
    recordMeasurement("Content-Length and Transfer-Encoding together", { status });
    const [row] = await scenario.db.sql<{ n: number }[]>`
      select count(*)::int as n from orders where comment = ${comment}`;
    expect(row?.n).toBe(0);
  });
});

describe("slow clients (slowloris)", () => {
  it("cuts off clients that send headers or bodies too slowly, while serving everyone else", async () => {
    const token = scenario.tokens[0]!;
    const slowHeaders = Array.from({ length: 20 }, () => rawConnection());
    const slowBodies = Array.from({ length: 20 }, () => rawConnection());
    for (const raw of slowHeaders) raw.socket.write(`POST /v1/webhooks/${token} HTTP/1.1\r\nHost: x\r\n`);
    for (const raw of slowBodies) raw.socket.write(requestHead(token, ["Content-Length: 1000"]));
    const started = Date.now();
    let open = slowHeaders.length + slowBodies.length;
    for (const raw of [...slowHeaders, ...slowBodies]) void raw.closed.then(() => open--);
    const drip = setInterval(() => {
      for (const raw of slowHeaders) if (!raw.socket.destroyed) raw.socket.write("X-Slow: 1\r\n");
      for (const raw of slowBodies) if (!raw.socket.destroyed) raw.socket.write(" ");
    }, 1_000);
    try {
      // Everyone else is served while the slow clients hold their connections.
      const served = [];
      for (let i = 0; i < 10; i++) {
        served.push(
          await sendHttp(receiver.origin, {
            path: `/v1/webhooks/${token}`,
            body: `{"ticker":"AAPL","action":"buy","quantity":1,"comment":"${scenario.tag}-served-${i}"}`,
            timeoutMs: 3_000,
          }),
        );
      }
      expect(
        served.map((a) => a.status),
        served.map((a) => a.text).join("\n"),
      ).toEqual(Array(10).fill(202));

      // Generous against the receiver's headersTimeout 10 s / requestTimeout 30 s (swept every second).
      const deadline = started + 40_000;
      while (open > 0 && Date.now() < deadline) await sleep(250);
      const cutOffMs = Date.now() - started;
      recordMeasurement("slowloris (20 slow-header + 20 slow-body clients)", {
        stillOpenAfterMs: open > 0 ? cutOffMs : null,
        allCutOffAfterMs: open === 0 ? cutOffMs : null,
        servedMeanwhile: served.filter((a) => a.status === 202).length,
      });
      expect(open, `slow connections still open after ${cutOffMs} ms`).toBe(0);
    } finally {
      clearInterval(drip);
      for (const raw of [...slowHeaders, ...slowBodies]) raw.socket.destroy();
    }
  }, 90_000);
});
