import { orderIdOf, promtoolFindings, sendHttp } from "@orderhook/testing";
import { describe, expect, it } from "vitest";
import { closeScenariosAfterEach, Scenario } from "./harness/scenario";

closeScenariosAfterEach();

async function scrape(url: string): Promise<string> {
  const res = await fetch(url);
  const text = await res.text();
  expect(res.status, text.slice(0, 500)).toBe(200);
  return text;
}

describe("Prometheus metrics", () => {
  it("pass promtool check metrics on the live /metrics of the receiver and the worker, with no finding tolerated", async () => {
    const scenario = await Scenario.create("promlint");
    const receiver = await scenario.startReceiver();
    const worker = await scenario.startWorker();
    const { token } = scenario.fixtures[0]!;

    // Series of every kind first: an accepted alert, a refused one, an order read, a job written.
    const body = JSON.stringify({ ticker: "AAPL", action: "buy", quantity: 1 });
    const accepted = await sendHttp(receiver.origin, { path: `/v1/webhooks/${token}`, body });
    expect(accepted.status, accepted.text).toBe(202);
    const orderId = orderIdOf(accepted.text);
    const refused = await sendHttp(receiver.origin, { path: `/v1/webhooks/${token}`, body: "{" });
    expect(refused.status, refused.text).toBe(400);
    await worker.waitFor(
      async () => (await scenario.db.sql`select 1 from orders where id = ${orderId!}`).length === 1,
      30_000,
      "the order's row",
    );
    const read = await sendHttp(receiver.origin, {
      method: "GET",
      path: `/v1/orders/${orderId}`,
      headers: { authorization: `Bearer ${token}` },
    });
    expect(read.status, read.text).toBe(200);

    const receiverMetrics = await scrape(`${receiver.adminOrigin}/metrics`);
    expect(receiverMetrics).toMatch(
      /orderhook_receiver_requests_total\{outcome="found",route="\/v1\/orders\/:orderId"\} 1/,
    );
    expect(receiverMetrics).toMatch(/orderhook_receiver_requests_total\{outcome="malformed_json",/);
    const workerMetrics = await scrape(`${worker.origin}/metrics`);
    expect(workerMetrics).toMatch(/orderhook_worker_jobs_total\{outcome="accepted",code=""\} 1/);
    for (const [app, text] of [
      ["receiver", receiverMetrics],
      ["worker", workerMetrics],
    ] as const) {
      const findings = promtoolFindings(text);
      expect(findings, `${app}: ${findings.join("\n")}`).toEqual([]);
    }
  });
});
