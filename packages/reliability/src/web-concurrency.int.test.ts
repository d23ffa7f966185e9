import { AppProcess, promtoolFindings, sendHttp } from "@orderhook/testing";
import { describe, expect, it } from "vitest";
import { closeScenariosAfterEach, Scenario } from "./harness/scenario";

closeScenariosAfterEach();

interface LogLine {
  pid?: number;
  msg?: string;
  route?: string;
}

function logLines(app: AppProcess): LogLine[] {
  return app.lines.flatMap((line) => {
    try {
      return [JSON.parse(line) as LogLine];
    } catch {
      return [];
    }
  });
}

/** Pids of the children that reported ready, in order (a restarted child adds its new pid). */
function readyChildren(app: AppProcess): number[] {
  return logLines(app)
    .filter((line) => line.msg === "receiver process ready")
    .map((line) => (line as { pid: number }).pid);
}

/** The sum of a counter's samples whose labels contain `labels`. */
function counterSum(metrics: string, name: string, labels: string): number {
  return metrics
    .split("\n")
    .filter((line) => line.startsWith(`${name}{`) && line.includes(labels))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(" ") + 1)), 0);
}

describe("WEB_CONCURRENCY=2: two receiver processes on one port under a supervising primary", () => {
  it("both serve, /metrics adds them up, a SIGKILLed child is replaced with no 5xx, SIGTERM drains to exit 0", async () => {
    const scenario = await Scenario.create("web-concurrency", { users: 2 });
    // Only the webhook events can revoke a token quickly here: the cache and the reconcile wait minutes.
    const receiver = await scenario.startReceiver({
      env: {
        WEB_CONCURRENCY: "2",
        CREDENTIAL_CACHE_TTL_MS: "600000",
        CREDENTIAL_RECONCILE_INTERVAL_MS: "600000",
      },
    });
    await scenario.startWorker();
    await receiver.waitFor(async () => readyChildren(receiver).length === 2, 30_000, "two ready children");
    const children = readyChildren(receiver);
    expect(children).not.toContain(receiver.pid);

    // A new connection per request: the primary hands connections to the children in turn.
    const PROBES = 20;
    for (let i = 0; i < PROBES; i += 1) {
      const answer = await sendHttp(receiver.origin, {
        method: "GET",
        path: "/healthz",
        headers: { connection: "close" },
      });
      expect(answer.status, answer.text).toBe(200);
    }
    await receiver.waitFor(
      async () =>
        logLines(receiver).filter((l) => l.msg === "request" && l.route === "/healthz").length >= PROBES,
      5_000,
      "the probes' access log lines",
    );
    const served = new Set(
      logLines(receiver)
        .filter((line) => line.msg === "request" && line.route === "/healthz")
        .map((line) => line.pid),
    );
    expect([...served].sort()).toEqual([...children].sort());

    const metrics = await fetch(`${receiver.adminOrigin}/metrics`).then((res) => res.text());
    expect(promtoolFindings(metrics)).toEqual([]);
    expect(counterSum(metrics, "orderhook_receiver_requests_total", 'route="/healthz"'), metrics).toBe(
      PROBES,
    );

    const traffic = scenario.traffic({ origin: receiver.origin, ratePerSecond: 100, maxAttempts: 5 });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    process.kill(children[0]!, "SIGKILL");
    await receiver.waitFor(async () => readyChildren(receiver).length === 3, 30_000, "the replacement child");
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await traffic.stop();

    const attempts = traffic.alerts.flatMap((alert) => alert.attempts);
    const serverErrors = attempts.filter((attempt) => attempt.status >= 500);
    expect(serverErrors, JSON.stringify(traffic.outcomes())).toEqual([]);
    const audit = await scenario.account(traffic);
    expect(audit.acked, JSON.stringify(traffic.outcomes())).toBeGreaterThan(200);
    expect(audit.lost).toEqual([]);
    expect(audit.duplicated).toEqual([]);

    // Every child (the replacement included) subscribed to webhook events: a revocation reaches all.
    const revoked = scenario.fixtures[1]!;
    const alert = (n: number) => ({
      path: `/v1/webhooks/${revoked.token}`,
      headers: { connection: "close", "content-type": "application/json" },
      body: JSON.stringify({ ticker: "AAPL", action: "buy", quantity: 1, comment: `warm-${n}` }),
    });
    // New connections go to the children in turn: both now hold the token in their caches.
    for (let i = 0; i < 6; i += 1) {
      const answer = await sendHttp(receiver.origin, alert(i));
      expect(answer.status, answer.text).toBe(202);
    }
    const revoke = await scenario.orderhook(["webhook", "revoke", revoked.webhookId, "--json"]);
    expect(revoke.code, revoke.stderr).toBe(0);
    await receiver.waitFor(
      async () => {
        for (let i = 0; i < 10; i += 1) {
          const answer = await sendHttp(receiver.origin, alert(100 + i));
          if (answer.status !== 401) return false;
        }
        return true;
      },
      15_000,
      "the revoked token refused by every child",
    );

    expect(await receiver.stop(), receiver.tail()).toEqual({ code: 0, signal: null });
    expect(logLines(receiver).filter((line) => line.msg === "receiver stopped")).toHaveLength(2);
  }, 90_000);

  it("exits 1 without a restart storm when its children cannot start", async () => {
    const scenario = await Scenario.create("web-concurrency-fail");
    const unmigrated = new URL(scenario.databaseUrl);
    unmigrated.pathname = "/postgres";
    const receiver = await AppProcess.startExpectingFailure({
      app: "receiver",
      env: scenario.env({ databaseUrl: unmigrated.toString(), env: { WEB_CONCURRENCY: "2" } }),
    });
    expect((await receiver.exited).code, receiver.output).toBe(1);
    expect(receiver.output).toContain("a receiver process failed to start");
    expect(receiver.output).not.toContain("restarting it");
  }, 60_000);
});
