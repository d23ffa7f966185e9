import { AggregatorRegistry, Counter, Histogram, Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { BoundCounter, BoundHistogram } from "./bound-metrics";

const BUCKETS = [0.0005, 0.001, 0.002, 0.003, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 2.5];
// Bounds themselves, values between, below the first and past the last.
const VALUES = [0, 0.0001, 0.0005, 0.00051, 0.001, 0.0029, 0.003, 0.02, 0.1, 0.7, 2.5, 2.6, 40];
const OBSERVED = [
  { outcome: "accepted", route: "/v1/webhooks/:token" },
  { outcome: "invalid_order", route: "/v1/webhooks/:token" },
  { outcome: "accepted", route: "/v1/webhooks/:token" },
  { outcome: "found", route: "/v1/orders/:orderId" },
];

/** The same metrics once as prom-client's own, once bound; both fed the same observations. */
function registries() {
  const own = new Registry();
  const bound = new Registry();
  const histogram = {
    name: "t_ack_seconds",
    help: "Ack.",
    labelNames: ["outcome", "route"] as const,
    buckets: BUCKETS,
  };
  const counter = { name: "t_requests_total", help: "Requests.", labelNames: ["outcome", "route"] as const };
  const plain = { name: "t_enqueue_seconds", help: "Enqueue.", buckets: BUCKETS };
  const ownAck = new Histogram({ ...histogram, registers: [own] });
  const ownCount = new Counter({ ...counter, registers: [own] });
  const ownPlain = new Histogram({ ...plain, registers: [own] });
  const boundAck = new BoundHistogram({ ...histogram, registers: [bound] });
  const boundCount = new BoundCounter({ ...counter, registers: [bound] });
  const boundPlain = new BoundHistogram({ ...plain, registers: [bound] });
  const feed = (rounds: number) => {
    for (let round = 0; round < rounds; round++) {
      for (const [i, labels] of OBSERVED.entries()) {
        const value = VALUES[(i + round) % VALUES.length]!;
        ownAck.labels(labels).observe(value);
        ownCount.labels(labels).inc();
        ownPlain.observe(value / 2);
        boundAck.bind(labels).observe(value);
        boundCount.bind(labels).inc();
        boundPlain.bind({}).observe(value / 2);
      }
    }
  };
  return { own, bound, feed };
}

describe("BoundHistogram and BoundCounter", () => {
  it("render the text prom-client's Histogram and Counter render for the same observations", async () => {
    const { own, bound, feed } = registries();
    expect(await bound.metrics()).toBe(await own.metrics());
    feed(VALUES.length * 3);
    const text = await bound.metrics();
    expect(text).toContain(
      't_ack_seconds_bucket{le="0.0005",outcome="accepted",route="/v1/webhooks/:token"}',
    );
    expect(text).toBe(await own.metrics());
  });

  it("give the cluster aggregator the values prom-client's give it", async () => {
    const { own, bound, feed } = registries();
    feed(20);
    const ownJson = await own.getMetricsAsJSON();
    expect(await bound.getMetricsAsJSON()).toEqual(ownJson);
    const summed = await AggregatorRegistry.aggregate([ownJson, await bound.getMetricsAsJSON()]).metrics();
    expect(summed).toBe(await AggregatorRegistry.aggregate([ownJson, ownJson]).metrics());
  });

  it("start again from zero on reset, with the series already bound", async () => {
    const { own, bound, feed } = registries();
    feed(5);
    bound.resetMetrics();
    const text = await bound.metrics();
    expect(text).toContain('t_requests_total{outcome="accepted",route="/v1/webhooks/:token"} 0');
    expect(text).toContain("t_enqueue_seconds_count 0");
    expect(own).toBeDefined();
  });

  it("refuses a label it was not declared with", () => {
    const histogram = new BoundHistogram({
      name: "t_x",
      help: "X.",
      labelNames: ["outcome"],
      buckets: BUCKETS,
      registers: [],
    });
    expect(() => histogram.bind({ route: "/" } as never)).toThrow(/unknown label route/);
  });
});
