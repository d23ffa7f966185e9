import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { Fixture } from "@orderhook/testing";
import { ScenarioResult } from "./scenario-result";
import { type StressClient, sendRequest } from "./send-request";

export interface ScenarioContext {
  client: StressClient;
  tag: string;
  durationMs: number;
  /** Every stress user's limit, alerts per second. */
  rateLimit: number;
}

const path = (w: Fixture) => `/v1/webhooks/${w.token}`;
const alert = (comment: string, extra = "") =>
  `{"ticker":"MSFT","action":"sell","quantity":2,"orderType":"limit","limitPrice":410.5${extra},"comment":"${comment}"}`;

/** Runs `send` for each user every `intervalMs` until the scenario's time is up. */
async function paced(
  ctx: ScenarioContext,
  intervalMs: number,
  count: number,
  send: (i: number) => Promise<void>,
) {
  const until = Date.now() + ctx.durationMs;
  await Promise.all(
    Array.from({ length: count }, async (_, user) => {
      await sleep(Math.random() * intervalMs);
      for (let n = 0; Date.now() < until; n++) {
        await Promise.all([send(user * 1_000_000 + n), sleep(intervalMs)]);
      }
    }),
  );
}

/** Unique alerts at half each user's limit: every one must be accepted. */
export async function steadyTraffic(ctx: ScenarioContext, users: Fixture[]): Promise<ScenarioResult> {
  const result = new ScenarioResult(
    "steady",
    `unique alerts at half the limit (${ctx.rateLimit / 2}/s per user)`,
    ["202"],
  );
  await paced(ctx, 2_000 / ctx.rateLimit, users.length, async (n) => {
    const user = users[Math.floor(n / 1_000_000)]!;
    result.record(await sendRequest(ctx.client, { path: path(user), body: alert(`${ctx.tag}-steady-${n}`) }));
  });
  return result;
}

/** 2× the limit at once, then a pause to refill: about half must be refused with 429. */
export async function rateLimitBursts(ctx: ScenarioContext, users: Fixture[]): Promise<ScenarioResult> {
  const size = ctx.rateLimit * 2;
  const result = new ScenarioResult("bursts", `${size} alerts at once per user (2× the limit), every 2 s`, [
    "202",
    "429 rate_limited",
  ]);
  const until = Date.now() + ctx.durationMs;
  await Promise.all(
    users.map(async (user, u) => {
      for (let burst = 0; Date.now() < until; burst++) {
        const answers = await Promise.all(
          Array.from({ length: size }, (_, i) =>
            sendRequest(ctx.client, { path: path(user), body: alert(`${ctx.tag}-burst-${u}-${burst}-${i}`) }),
          ),
        );
        for (const answer of answers) result.record(answer);
        await sleep(2_000);
      }
    }),
  );
  return result;
}

/**
 * The same alert delivered three times (two at once, one later) with an Idempotency-Key,
 * and a keyless alert sent twice back to back (deduplicated by body hash): one order each,
 * and every 2xx for the same alert names the same orderId.
 */
export async function duplicateDeliveries(ctx: ScenarioContext, users: Fixture[]): Promise<ScenarioResult> {
  const result = new ScenarioResult(
    "duplicates",
    "each alert delivered 2–3 times (Idempotency-Key or same body)",
    ["202", "200 replayed", "409 idempotency_in_flight"],
  );
  await paced(ctx, 4_000 / ctx.rateLimit, users.length, async (n) => {
    const user = users[Math.floor(n / 1_000_000)]!;
    const body = alert(`${ctx.tag}-dup-${n}`);
    const keyed = n % 2 === 0;
    const headers: Record<string, string> = keyed ? { "idempotency-key": `${ctx.tag}-key-${n}` } : {};
    const first = await Promise.all([
      sendRequest(ctx.client, { path: path(user), body, headers }),
      sendRequest(ctx.client, { path: path(user), body, headers }),
    ]);
    await sleep(keyed ? 300 : 50);
    const answers = [...first, await sendRequest(ctx.client, { path: path(user), body, headers })];
    for (const answer of answers) result.record(answer);
    const ids = new Set(answers.map((a) => a.orderId).filter((id) => id !== null));
    if (ids.size > 1) result.splitKeys++;
  });
  return result;
}

/** Bodies that must be refused with a clear 4xx and the right code. */
export async function invalidRequests(ctx: ScenarioContext, users: Fixture[]): Promise<ScenarioResult> {
  const cases = [
    { body: '{"ticker":"AAPL","action":', expect: "400 malformed_json" },
    { body: '{"ticker":"AAPL","action":"buy"}', expect: "422 invalid_order" },
    { body: '{"ticker":"AAPL","action":"hold","quantity":1}', expect: "422 invalid_order" },
    {
      body: '{"ticker":"AAPL","action":"buy","quantity":1,"account":"not-mine"}',
      expect: "403 account_forbidden",
    },
    {
      body: `{"ticker":"AAPL","action":"buy","quantity":1,"comment":"${"x".repeat(70_000)}"}`,
      expect: "413 payload_too_large",
    },
  ];
  const result = new ScenarioResult(
    "invalid",
    "malformed JSON, invalid fields, foreign account, oversized body",
    [...new Set(cases.map((c) => c.expect))],
  );
  let wrongCode = 0;
  await paced(ctx, 4_000 / ctx.rateLimit, users.length, async (n) => {
    const user = users[Math.floor(n / 1_000_000)]!;
    const c = cases[n % cases.length]!;
    const answer = await sendRequest(ctx.client, { path: path(user), body: c.body });
    if (answer.key !== c.expect) wrongCode++;
    result.record(answer);
  });
  if (wrongCode > 0) result.unexpected["wrong code for its case"] = wrongCode;
  return result;
}

/**
 * Unknown and revoked tokens: 401 invalid_token, identical for both — and 429 once the stress
 * client's address is over its invalid-token limit (AUTH_FAILURE_LIMIT_PER_SECOND).
 */
export async function unauthorizedRequests(ctx: ScenarioContext, revoked: Fixture): Promise<ScenarioResult> {
  const result = new ScenarioResult("unauthorized", "unknown and revoked tokens", [
    "401 invalid_token",
    "429 rate_limited",
  ]);
  await paced(ctx, 100, 2, async (n) => {
    const token = n < 1_000_000 ? `oh_${randomBytes(32).toString("base64url")}` : revoked.token;
    result.record(
      await sendRequest(ctx.client, { path: `/v1/webhooks/${token}`, body: alert(`${ctx.tag}-unauth-${n}`) }),
    );
  });
  return result;
}
