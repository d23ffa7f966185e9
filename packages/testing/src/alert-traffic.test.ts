import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AlertTraffic } from "./alert-traffic";
import { freePort } from "./redis-server";

let server: Server;
let origin: string;
/** Idempotency-Key of every request received. */
const receivedKeys: string[] = [];

/** Answers by the alert's number: 202 with an orderId or a 503 problem. */
beforeAll(async () => {
  server = createServer((request, response) => {
    receivedKeys.push(String(request.headers["idempotency-key"]));
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
  origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

afterAll(() => new Promise((resolve) => server.close(resolve)));

describe("AlertTraffic", () => {
  it("reports every request it sent, with acked orderIds only from accepted answers", async () => {
    const traffic = AlertTraffic.start({
      origin,
      tokens: ["oh_test"],
      ratePerSecond: 100,
      body: (n) => ({ n }),
    });
    await expect.poll(() => answered(traffic).length, { timeout: 10_000 }).toBeGreaterThanOrEqual(20);
    await traffic.stop();

    const answers = answered(traffic);
    expect(answers).toHaveLength(traffic.alerts.length);
    expect(traffic.alerts.map((alert) => alert.n)).toEqual([...traffic.alerts.keys()]);
    const expected202 = traffic.alerts.filter((alert) => alert.n % 4 < 3).length;
    expect(traffic.ackedOrderIds(), JSON.stringify(traffic.outcomes())).toHaveLength(expected202);
    expect(traffic.outcomes()["202"]).toBe(expected202);
    const refused = traffic.alerts.filter((alert) => alert.n % 4 === 3);
    expect(refused.every((alert) => alert.attempts[0]?.code === "unavailable")).toBe(true);
  });

  it("counts a request without an answer as status 0 with the network error's code", async () => {
    const port = await freePort();
    const traffic = AlertTraffic.start({
      origin: `http://127.0.0.1:${port}`,
      tokens: ["x"],
      ratePerSecond: 50,
    });
    await expect.poll(() => answered(traffic).length, { timeout: 10_000 }).toBeGreaterThanOrEqual(1);
    await traffic.stop();
    expect(traffic.ackedOrderIds()).toEqual([]);
    const first = traffic.alerts[0]?.attempts[0];
    expect(first, JSON.stringify(first)).toMatchObject({ status: 0, error: "ECONNREFUSED" });
  });

  it("retries a 503 with the same idempotency key, up to maxAttempts", async () => {
    const traffic = AlertTraffic.start({
      origin,
      tokens: ["oh_test"],
      ratePerSecond: 50,
      body: () => ({ n: 3 }),
      maxAttempts: 2,
      retryDelayMs: 1,
    });
    await expect.poll(() => answered(traffic).length, { timeout: 10_000 }).toBeGreaterThanOrEqual(1);
    await traffic.stop();
    const statuses = traffic.alerts[0]?.attempts.map((attempt) => attempt.status);
    expect(statuses).toEqual([503, 503]);
    expect(traffic.alerts[0]?.idempotencyKey).toBe(`${traffic.tag}-0`);
    expect(receivedKeys.filter((key) => key === `${traffic.tag}-0`)).toHaveLength(2);
  });
});

/** The alerts with at least one finished attempt. */
function answered(traffic: AlertTraffic) {
  return traffic.alerts.filter((alert) => alert.attempts.length > 0);
}
