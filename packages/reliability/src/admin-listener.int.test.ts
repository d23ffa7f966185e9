import { randomBytes } from "node:crypto";
import { type AppProcess, promtoolFindings, sendHttp } from "@orderhook/testing";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Scenario } from "./harness/scenario";

// The operator surfaces — /metrics and the queue dashboard — live on the admin listener
// (ADMIN_HOST:ADMIN_PORT, a private network on Railway), never on the public port.

let scenario: Scenario;
let receiver: AppProcess;
const password = `Pw-${randomBytes(12).toString("base64url")}`;
const basic = (pw: string) => ({
  authorization: `Basic ${Buffer.from(`operator:${pw}`).toString("base64")}`,
});

beforeAll(async () => {
  scenario = await Scenario.create("admin");
  // "::", as on Railway's IPv6 private network; AppProcess then reaches it at [::1].
  receiver = await scenario.startReceiver({
    env: { ADMIN_HOST: "::", BULL_BOARD_USER: "operator", BULL_BOARD_PASSWORD: password },
  });
}, 60_000);
afterAll(async () => {
  await scenario?.close();
});

describe("admin listener isolation", () => {
  it("answers 404 on the public port for /metrics and the dashboard, with or without the password", async () => {
    for (const path of ["/metrics", "/admin/queues", "/admin/queues/api/queues"]) {
      for (const headers of [{}, basic(password)]) {
        const answer = await sendHttp(receiver.origin, { method: "GET", path, headers });
        expect(answer.status, `${path}: ${answer.text}`).toBe(404);
        expect(answer.text, answer.text).not.toContain("orderhook_receiver");
      }
    }
  });

  it("serves Prometheus text on the admin listener over IPv6, clean for promtool", async () => {
    expect(receiver.adminOrigin, "the admin listener is not reached over IPv6").toContain("[::1]");
    const res = await fetch(`${receiver.adminOrigin}/metrics`);
    const text = await res.text();
    expect(res.status, text.slice(0, 500)).toBe(200);
    expect(text).toMatch(/^orderhook_receiver_active_tokens \d+/m);
    const findings = promtoolFindings(text);
    expect(findings, findings.join("\n")).toEqual([]);
  });

  it("serves the dashboard there behind basic auth, read-only: no pause, retry, clean or empty", async () => {
    const anonymous = await sendHttp(receiver.adminOrigin, { method: "GET", path: "/admin/queues" });
    expect(anonymous.status, anonymous.text).toBe(401);
    const queues = await sendHttp(receiver.adminOrigin, {
      method: "GET",
      path: "/admin/queues/api/queues",
      headers: basic(password),
    });
    expect(queues.status, queues.text).toBe(200);
    expect(queues.text, queues.text).toContain('"readOnlyMode":true');
    for (const path of [
      "/admin/queues/api/queues/orders/pause",
      "/admin/queues/api/queues/orders/empty",
      "/admin/queues/api/queues/orders/retry/failed",
    ]) {
      const write = await sendHttp(receiver.adminOrigin, { method: "PUT", path, headers: basic(password) });
      expect(write.status, `${path}: ${write.text}`).toBe(405);
    }
    const redis = new Redis(scenario.redis.url);
    try {
      const paused = await redis.hget(`${scenario.prefix}:orders:meta`, "paused");
      expect(paused, "the queue was paused through the dashboard").toBeNull();
    } finally {
      redis.disconnect();
    }
  });
});
