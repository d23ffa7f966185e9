import type { AddressInfo } from "node:net";
import { Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { createMetricsServer } from "./create-metrics-server";

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

async function serve(ready: () => Promise<boolean>): Promise<string> {
  const server = createMetricsServer({ registry: new Registry(), ready, readyTimeoutMs: 50 });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  close = () => new Promise((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe("createMetricsServer", () => {
  it("answers /readyz with 503 when the readiness check hangs, instead of hanging too", async () => {
    const origin = await serve(() => new Promise<boolean>(() => {}));
    const res = await fetch(`${origin}/readyz`);
    expect(res.status, await res.text()).toBe(503);
  });

  it("answers /readyz 200 when ready, /healthz 200 and /metrics in Prometheus text", async () => {
    const origin = await serve(async () => true);
    const ready = await fetch(`${origin}/readyz`);
    expect(ready.status, await ready.text()).toBe(200);
    const health = await fetch(`${origin}/healthz`);
    expect(health.status, await health.text()).toBe(200);
    const metrics = await fetch(`${origin}/metrics`);
    expect(metrics.headers.get("content-type")).toContain("text/plain");
    const other = await fetch(`${origin}/nope`);
    expect(other.status, await other.text()).toBe(404);
  });
});
