import { randomBytes } from "node:crypto";
import { Agent } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { broadcastWebhookChange } from "@orderhook/admin";
import { hashToken } from "@orderhook/db";
import { type AppProcess, createFixture, type HttpAnswer, problemCode, sendHttp } from "@orderhook/testing";
import postgres from "postgres";
import { describe, expect, it } from "vitest";
import { recordMeasurement } from "./harness/measurements";
import { closeScenariosAfterEach, Scenario } from "./harness/scenario";

// Strangers never reach Postgres per request, and what they can make the receiver do is bounded.

closeScenariosAfterEach();

const alertBody = (comment: string) =>
  JSON.stringify({ ticker: "AAPL", action: "buy", quantity: 1, comment });
const randomToken = () => `oh_${randomBytes(32).toString("base64url")}`;

function post(
  receiver: AppProcess,
  token: string,
  options: { body?: string; headers?: Record<string, string>; agent?: Agent; timeoutMs?: number } = {},
): Promise<HttpAnswer> {
  return sendHttp(receiver.origin, {
    path: `/v1/webhooks/${token}`,
    body: options.body ?? alertBody("x"),
    headers: options.headers,
    agent: options.agent,
    timeoutMs: options.timeoutMs ?? 5_000,
  });
}

/** Transactions committed or rolled back in `database`, read from another database's session. */
async function transactions(databaseUrl: string): Promise<number> {
  const name = new URL(databaseUrl).pathname.slice(1);
  const admin = new URL(databaseUrl);
  admin.pathname = "/postgres";
  const sql = postgres(admin.toString(), { max: 1, onnotice: () => {} });
  try {
    const [row] = await sql<{ n: string }[]>`
      select xact_commit + xact_rollback as n from pg_stat_database where datname = ${name}`;
    return Number(row?.n ?? 0);
  } finally {
    await sql.end();
  }
}

function tally(answers: HttpAnswer[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const a of answers) {
    const key = a.status === 0 ? `error ${a.error}` : `${a.status} ${problemCode(a.text)}`.trim();
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

describe("unauthenticated traffic", () => {
  it("answers a flood of random well-formed tokens without Postgres transactions (pg_stat_database)", async () => {
    // A database of its own: its transaction counter is the receiver's alone.
    const scenario = await Scenario.create("flood", { ownDatabase: true });
    const receiver = await scenario.startReceiver({
      env: { AUTH_FAILURE_LIMIT_PER_SECOND: "10", AUTH_FAILURE_BURST: "30" },
    });
    const agent = new Agent({ keepAlive: true, maxSockets: 32 });
    try {
      const before = await transactions(scenario.databaseUrl);
      const flood = 3_000;
      const answers: HttpAnswer[] = [];
      for (let sent = 0; sent < flood; sent += 100) {
        const batch = Array.from({ length: 100 }, (_, i) =>
          post(receiver, (sent + i) % 10 === 0 ? `oh_${"x".repeat(7)}` : randomToken(), { agent }),
        );
        answers.push(...(await Promise.all(batch)));
      }
      // Idle backends report their counts to pg_stat_database within 10 s (PGSTAT_IDLE_INTERVAL).
      await sleep(11_000);
      const spent = (await transactions(scenario.databaseUrl)) - before;
      const outcomes = tally(answers);
      recordMeasurement("unknown-token flood", {
        requests: flood,
        postgresTransactions: spent,
        perRequest: spent / flood,
        outcomes,
      });
      expect(Object.keys(outcomes).sort(), JSON.stringify(outcomes)).toEqual([
        "401 invalid_token",
        "429 rate_limited",
      ]);
      // Goal < 0.01 per request; what remains is the receiver's own start-up and reconciliation.
      expect(spent / flood, `${spent} transactions for ${flood} requests`).toBeLessThan(0.01);

      const fine = await post(receiver, scenario.tokens[0]!, { body: alertBody("after-flood") });
      expect(fine.status, `the flood's address is throttled for valid tokens too: ${fine.text}`).toBe(202);
    } finally {
      agent.destroy();
    }
  }, 90_000);

  it("limits invalid tokens per client address: 429 past the burst, by X-Forwarded-For only with TRUST_PROXY", async () => {
    const scenario = await Scenario.create("per-ip");
    const limits = { AUTH_FAILURE_LIMIT_PER_SECOND: "1", AUTH_FAILURE_BURST: "5" };
    const trusting = await scenario.startReceiver({ env: { ...limits, TRUST_PROXY: "true" } });
    const from = (client: string) => ({ "x-forwarded-for": `198.51.100.250, ${client}` });

    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) {
      statuses.push((await post(trusting, randomToken(), { headers: from("203.0.113.1") })).status);
    }
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses.slice(5)).toEqual([429, 429]);
    const throttled = await post(trusting, randomToken(), { headers: from("203.0.113.1") });
    expect(problemCode(throttled.text), throttled.text).toBe("rate_limited");
    expect(Number(throttled.headers["retry-after"]), throttled.text).toBeGreaterThanOrEqual(1);
    const other = await post(trusting, randomToken(), { headers: from("203.0.113.2") });
    expect(other.status, other.text).toBe(401);
    const valid = await post(trusting, scenario.tokens[0]!, {
      headers: from("203.0.113.1"),
      body: alertBody("valid"),
    });
    expect(valid.status, valid.text).toBe(202);

    // Without TRUST_PROXY the header is the client's own words: changing it evades nothing.
    const socketOnly = await scenario.startReceiver({ env: limits });
    const spoofed: number[] = [];
    for (let i = 0; i < 7; i++) {
      spoofed.push((await post(socketOnly, randomToken(), { headers: from(`203.0.113.${10 + i}`) })).status);
    }
    expect(spoofed.filter((status) => status === 429).length, JSON.stringify(spoofed)).toBe(2);
  }, 60_000);

  it("bounds credential loads when Postgres stalls: a cap and a deadline, answered 503, never a hang", async () => {
    const scenario = await Scenario.create("loads", { users: 12 });
    const proxy = await scenario.faultProxy({ target: hostPort(scenario.databaseUrl) });
    const receiver = await scenario.startReceiver({
      databaseUrl: proxy.url(scenario.databaseUrl),
      env: { CREDENTIAL_LOAD_CONCURRENCY: "2", CREDENTIAL_LOAD_TIMEOUT_MS: "300" },
    });
    // Every fixture's token is known (loaded at start) but none is cached yet: each needs a query.
    proxy.pause();
    const started = performance.now();
    const answers = await Promise.all(
      scenario.tokens.map((token) => post(receiver, token, { body: alertBody("stalled"), timeoutMs: 5_000 })),
    );
    const slowest = Math.max(...answers.map((a) => a.ms));
    const inFlight = await metric(receiver, "orderhook_receiver_db_queries_in_flight");
    proxy.resume();
    recordMeasurement("credential loads while Postgres stalls", {
      requests: answers.length,
      outcomes: tally(answers),
      slowestMs: Math.round(slowest),
      queriesInFlight: inFlight,
      wallMs: Math.round(performance.now() - started),
    });
    for (const answer of answers) {
      expect(answer.status, answer.text || answer.error || "").toBe(503);
      expect(problemCode(answer.text), answer.text).toBe("unavailable");
    }
    expect(inFlight, "more credential queries than CREDENTIAL_LOAD_CONCURRENCY").toBeLessThanOrEqual(2);

    // Once Postgres answers again, the same tokens load and are accepted.
    for (const token of scenario.tokens.slice(0, 3)) {
      let answer = await post(receiver, token, { body: alertBody(`after-${token.slice(-6)}`) });
      for (let i = 0; i < 50 && answer.status === 503; i++) {
        await sleep(100);
        answer = await post(receiver, token, { body: alertBody(`after-${token.slice(-6)}`) });
      }
      expect(answer.status, answer.text).toBe(202);
    }
  }, 60_000);

  it("refuses a token revoked while the receiver was cut off from Redis, at the first request after it reconnects", async () => {
    const scenario = await Scenario.create("reconnect", { users: 2 });
    const proxy = await scenario.faultProxy({ target: hostPort(scenario.redis.url) });
    // A long cache TTL: without the change counter, the cached entry would outlive the revocation.
    const receiver = await scenario.startReceiver({
      redisUrl: proxy.url(scenario.redis.url),
      env: { CREDENTIAL_CACHE_TTL_MS: "3600000" },
    });
    const [revoked, kept] = scenario.fixtures as [
      (typeof scenario.fixtures)[0],
      (typeof scenario.fixtures)[0],
    ];
    expect((await post(receiver, revoked.token, { body: alertBody("cached") })).status).toBe(202);
    expect((await post(receiver, kept.token, { body: alertBody("cached") })).status).toBe(202);

    await proxy.down("refuse");
    await scenario.db
      .sql`update webhooks set active = false, revoked_at = now() where id = ${revoked.webhookId}`;
    const broadcast = await broadcastWebhookChange(scenario.redis.url, scenario.prefix, {
      type: "revoked",
      webhookId: revoked.webhookId,
      userId: revoked.userId,
      tokenHash: hashToken(revoked.token),
    });
    expect(broadcast, "the cut-off receiver still heard the revocation").toEqual({
      delivered: true,
      receivers: 0,
    });
    await sleep(500);
    await proxy.up();
    await receiver.waitUntilReady(30_000);

    const first = await post(receiver, revoked.token, { body: alertBody("after") });
    expect(first.status, first.text).toBe(401);
    const still = await post(receiver, kept.token, { body: alertBody("after") });
    expect(still.status, still.text).toBe(202);
    // A webhook created while it was cut off is known too, once it has resynchronised.
    const created = await createFixture(scenario.db.db);
    await broadcastWebhookChange(scenario.redis.url, scenario.prefix, {
      type: "created",
      webhookId: created.webhookId,
      userId: created.userId,
      tokenHash: null,
    });
    let fresh = await post(receiver, created.token, { body: alertBody("new") });
    for (let i = 0; i < 50 && fresh.status !== 202; i++) {
      await sleep(100);
      fresh = await post(receiver, created.token, { body: alertBody("new") });
    }
    expect(fresh.status, fresh.text).toBe(202);
  }, 60_000);
});

function hostPort(url: string): { host: string; port: number } {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port) };
}

async function metric(app: AppProcess, name: string): Promise<number> {
  const text = await (await fetch(`${app.adminOrigin}/metrics`)).text();
  const match = new RegExp(`^${name} (\\S+)$`, "m").exec(text);
  return match === null ? Number.NaN : Number(match[1]);
}
