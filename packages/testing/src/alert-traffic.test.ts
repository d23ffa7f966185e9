import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAlertTraffic } from "./alert-traffic";
import { freePort } from "./redis-server";

let server: Server;
let url: string;

/** Answers by the alert's number: 202 with an orderId or a 503 problem. */
beforeAll(async () => {
  server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => {
      body += chunk;
    });
    request.on("end", () => {
      const { n } = JSON.parse(body) as { n: number };
      if (n % 4 === 3) {
        response.writeHead(503, { "content-type": "application/problem+json" });
        response.end(JSON.stringify({ code: "unavailable" }));
        return;
      }
      response.writeHead(202, { "content-type": "application/json" });
      response.end(JSON.stringify({ orderId: randomUUID(), status: "queued" }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}/v1/webhooks/oh_test`;
});

afterAll(() => new Promise((resolve) => server.close(resolve)));

describe("startAlertTraffic", () => {
  it("reports every request it sent, with acked orderIds only from accepted answers", async () => {
    const traffic = startAlertTraffic({ url, ratePerSecond: 100, body: (n) => ({ n }) });
    await expect.poll(() => traffic.responses.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(20);
    const report = await traffic.stop();

    expect(report.responses).toHaveLength(report.sent);
    expect(report.responses.map((r) => r.n)).toEqual([...Array(report.sent).keys()]);
    const expected202 = report.responses.filter((r) => r.n % 4 < 3).length;
    expect(report.acked, JSON.stringify(report.statuses)).toHaveLength(expected202);
    expect(report.statuses[202]).toBe(expected202);
    expect(report.responses.filter((r) => r.n % 4 === 3).every((r) => r.code === "unavailable")).toBe(true);
  });

  it("counts a request without an answer as status 0 with the network error's code", async () => {
    const port = await freePort();
    const traffic = startAlertTraffic({ url: `http://127.0.0.1:${port}/v1/webhooks/x`, ratePerSecond: 50 });
    await expect.poll(() => traffic.responses.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(1);
    const report = await traffic.stop();
    expect(report.acked).toEqual([]);
    expect(report.responses[0], JSON.stringify(report.responses[0])).toMatchObject({
      status: 0,
      code: "ECONNREFUSED",
    });
  });
});
