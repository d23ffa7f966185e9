import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { registerProcessMetrics } from "./process-metrics";

describe("registerProcessMetrics", () => {
  it("registers Node's process metrics with no _total suffix on any gauge", async () => {
    const registry = new Registry();
    registerProcessMetrics(registry);
    const text = await registry.metrics();
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds /m);
    expect(text).toMatch(/^nodejs_active_handles\{/m);
    expect(text).toMatch(/^process_cpu_seconds_total /m);
    const totalGauges = [...text.matchAll(/^# TYPE (\S+_total) (\w+)$/gm)]
      .filter((m) => m[2] !== "counter")
      .map((m) => m[1]);
    expect(totalGauges, text).toEqual([]);
  });
});
