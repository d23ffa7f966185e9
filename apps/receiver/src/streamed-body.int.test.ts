import { request } from "node:http";
import { type RunningServer, startServer } from "@orderhook/http";
import type { Fixture } from "@orderhook/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buyAlert, createTestReceiver, type TestReceiver } from "../test/receiver-harness";

let r: TestReceiver;
let f: Fixture;
let server: RunningServer;

beforeAll(async () => {
  r = await createTestReceiver({ bodyLimitBytes: 1_024 });
  f = await r.fixture();
  server = await startServer(r.app, { port: 0, hostname: "127.0.0.1" });
});
afterAll(async () => {
  await server.close(1_000);
  await r.close();
});

function send(
  path: string,
  write: (req: ReturnType<typeof request>) => void,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: server.port, path, method: "POST" }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        text += chunk;
      });
      res.on("end", () => {
        req.destroy();
        resolve({ status: res.statusCode ?? 0, text });
      });
    });
    req.on("error", reject);
    write(req);
  });
}

describe("streamed bodies on a listening server", () => {
  it("answers 413 to a chunked body as soon as it crosses the limit, without waiting for its end", async () => {
    const { status, text } = await send(`/v1/webhooks/${f.token}`, (req) => {
      // 8 KiB, chunked, and the request is never ended: only a counting reader can answer.
      for (let i = 0; i < 8; i++) req.write(Buffer.alloc(1_024, 0x20));
    });
    expect(status, text).toBe(413);
    expect(JSON.parse(text).code, text).toBe("payload_too_large");
  });

  it("accepts a chunked body under the limit", async () => {
    const body = Buffer.from(JSON.stringify(buyAlert));
    const { status, text } = await send(`/v1/webhooks/${f.token}`, (req) => {
      req.write(body.subarray(0, 10));
      req.write(body.subarray(10));
      req.end();
    });
    expect(status, text).toBe(202);
  });
});
