import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { broadcastWebhookChange, revokeWebhook, rotateWebhook } from "@orderhook/admin";
import { hashToken } from "@orderhook/db";
import {
  type Fixture,
  type HttpAnswer,
  orderIdOf,
  problemCode,
  sendHttp,
  signHeaders,
} from "@orderhook/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { appsForFile } from "./harness/apps-for-file";
import { recordMeasurement } from "./harness/measurements";

const apps = appsForFile("security");

const alert = (comment: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ ticker: "AAPL", action: "buy", quantity: 1, comment, ...extra });

function post(token: string, body: string, headers: Record<string, string> = {}): Promise<HttpAnswer> {
  return sendHttp(apps.receiver.origin, { path: `/v1/webhooks/${token}`, body, headers, timeoutMs: 5_000 });
}

async function rowsWithComment(comment: string): Promise<number> {
  const [row] = await apps.scenario.db.sql<{ n: number }[]>`
    select count(*)::int as n from orders where comment = ${comment}`;
  return row?.n ?? 0;
}

/** Waits until the worker has written `sentinel` (sent after `comment`), then counts `comment`'s rows. */
async function rowsAfterSentinel(comment: string, sentinel: string): Promise<number> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline && (await rowsWithComment(sentinel)) === 0) await sleep(100);
  expect(await rowsWithComment(sentinel), `sentinel ${sentinel} never written`).toBe(1);
  return rowsWithComment(comment);
}

function expectInvalidToken(answer: HttpAnswer, what: string): void {
  expect(answer.status, `${what}: ${answer.text}`).toBe(401);
  expect(problemCode(answer.text), `${what}: ${answer.text}`).toBe("invalid_token");
}

/** The problem body without its request id: what a caller can compare across answers. */
function withoutRequestId(text: string): string {
  const { requestId: _, ...rest } = JSON.parse(text) as Record<string, unknown>;
  return JSON.stringify(rest);
}

describe("authentication and authorization", () => {
  it("refuses wrong and near-miss tokens with the same 401 invalid_token", async () => {
    const { token } = apps.scenario.fixtures[0]!;
    const last = token.at(-1)!;
    const nearMisses = {
      random: `oh_${randomBytes(32).toString("base64url")}`,
      "last character changed": `${token.slice(0, -1)}${last === "a" ? "b" : "a"}`,
      "one character short": token.slice(0, -1),
      "one character long": `${token}a`,
      "case flipped": token.replace(/[a-z]/, (c) => c.toUpperCase()),
      "trailing space": `${token}%20`,
      "prefix only": token.slice(0, 8),
      "token hash instead of token": hashToken(token),
    };
    const bodies = new Set<string>();
    for (const [what, candidate] of Object.entries(nearMisses)) {
      const answer = await post(candidate, alert(`${apps.scenario.tag}-nearmiss`));
      expectInvalidToken(answer, what);
      bodies.add(withoutRequestId(answer.text));
    }
    expect([...bodies], "401 bodies differ between kinds of wrong token").toHaveLength(1);
    expect(await rowsAfterSentinel(`${apps.scenario.tag}-nearmiss`, await sentinel(token))).toBe(0);
  });

  it("refuses a revoked token and a rotated-away token with 401, and accepts the rotated one", async () => {
    const revoked = await apps.scenario.addFixture();
    const rotated = await apps.scenario.addFixture();
    expect((await post(revoked.token, alert(`${apps.scenario.tag}-rv0`))).status).toBe(202);
    expect((await post(rotated.token, alert(`${apps.scenario.tag}-rt0`))).status).toBe(202);

    await revokeWebhook(apps.scenario.db.db, revoked.webhookId);
    await broadcastWebhookChange(apps.scenario.redis.url, apps.scenario.prefix, {
      type: "revoked",
      webhookId: revoked.webhookId,
      tokenHash: hashToken(revoked.token),
      userId: revoked.userId,
    });
    const turned = await rotateWebhook(apps.scenario.db.db, rotated.webhookId);
    await broadcastWebhookChange(apps.scenario.redis.url, apps.scenario.prefix, {
      type: "rotated",
      webhookId: rotated.webhookId,
      tokenHash: turned.previousTokenHash,
      userId: rotated.userId,
    });

    expectInvalidToken(await post(revoked.token, alert(`${apps.scenario.tag}-rv1`)), "revoked");
    expectInvalidToken(await post(rotated.token, alert(`${apps.scenario.tag}-rt1`)), "rotated away");
    // The new token joins the active set when the receiver has read the rotation event.
    await apps.scenario.untilTokenKnown(turned.token);
    const fresh = await post(turned.token, alert(`${apps.scenario.tag}-rt2`));
    expect(fresh.status, fresh.text).toBe(202);
    expect(
      await rowsAfterSentinel(`${apps.scenario.tag}-rv1`, await sentinel(apps.scenario.fixtures[0]!.token)),
    ).toBe(0);
    expect(await rowsWithComment(`${apps.scenario.tag}-rt1`)).toBe(0);
  });

  it("refuses an alert naming another user's broker account with 403 and queues no job", async () => {
    const mallory = apps.scenario.fixtures[0]!;
    const victim = await apps.scenario.addFixture();
    const byId = await post(
      mallory.token,
      alert(`${apps.scenario.tag}-foreign-id`, { account: victim.accountId }),
    );
    const byName = await post(
      mallory.token,
      alert(`${apps.scenario.tag}-foreign-name`, { account: victim.accountName }),
    );
    for (const answer of [byId, byName]) {
      expect(answer.status, answer.text).toBe(403);
      expect(problemCode(answer.text), answer.text).toBe("account_forbidden");
    }
    const last = await sentinel(mallory.token);
    expect(await rowsAfterSentinel(`${apps.scenario.tag}-foreign-id`, last)).toBe(0);
    expect(await rowsWithComment(`${apps.scenario.tag}-foreign-name`)).toBe(0);
    const [row] = await apps.scenario.db.sql<{ n: number }[]>`
      select count(*)::int as n from orders where account_id = ${victim.accountId}`;
    expect(row?.n).toBe(0);
  });

  it("refuses prototype-polluting keys with a 4xx and leaves no order", async () => {
    const { token } = apps.scenario.fixtures[0]!;
    const bodies = [
      `{"__proto__":{"admin":true},"ticker":"AAPL","action":"buy","quantity":1,"comment":"${apps.scenario.tag}-proto1"}`,
      `{"constructor":{"prototype":{"admin":true}},"ticker":"AAPL","action":"buy","quantity":1,"comment":"${apps.scenario.tag}-proto2"}`,
      `{"ticker":"AAPL","action":"buy","quantity":1,"takeProfit":{"__proto__":{"price":1}},"comment":"${apps.scenario.tag}-proto3"}`,
    ];
    for (const body of bodies) {
      const answer = await post(token, body, { "content-type": "text/plain" });
      expect(answer.status, answer.text).toBe(422);
      expect(answer.text, answer.text).toContain("prototype");
    }
    const last = await sentinel(token);
    for (const n of [1, 2, 3])
      expect(await rowsAfterSentinel(`${apps.scenario.tag}-proto${n}`, last)).toBe(0);
  });
});

describe("signed webhooks", () => {
  let signed: Fixture;
  beforeAll(async () => {
    signed = await apps.scenario.addFixture({ signingSecret: true });
  });

  it("accepts a fresh signature and refuses a stale one, a tampered body and a missing one with 401", async () => {
    const secret = signed.signingSecret!;
    const now = Math.floor(Date.now() / 1000);
    const body = alert(`${apps.scenario.tag}-signed-ok`);
    const ok = await post(
      signed.token,
      body,
      signHeaders(secret, body, { id: `msg_${randomBytes(6).toString("hex")}`, timestampSeconds: now }),
    );
    expect(ok.status, ok.text).toBe(202);

    const staleBody = alert(`${apps.scenario.tag}-signed-stale`);
    const stale = await post(
      signed.token,
      staleBody,
      signHeaders(secret, staleBody, { id: "msg_stale", timestampSeconds: now - 6 * 60 }),
    );
    expectInvalidToken(stale, "signed six minutes ago");
    const future = await post(
      signed.token,
      staleBody,
      signHeaders(secret, staleBody, { id: "msg_future", timestampSeconds: now + 6 * 60 }),
    );
    expectInvalidToken(future, "signed six minutes ahead");
    const tampered = await post(
      signed.token,
      alert(`${apps.scenario.tag}-signed-tampered`, { quantity: 1000 }),
      signHeaders(secret, alert(`${apps.scenario.tag}-signed-tampered`), {
        id: "msg_tampered",
        timestampSeconds: now,
      }),
    );
    expectInvalidToken(tampered, "body changed after signing");
    expectInvalidToken(await post(signed.token, alert(`${apps.scenario.tag}-signed-none`)), "unsigned");
  });

  it("answers a replayed signed request after the duplicate window with 200 and the same order, never a second one", async () => {
    const secret = signed.signingSecret!;
    const comment = `${apps.scenario.tag}-signed-replay`;
    const body = alert(comment);
    const headers = signHeaders(secret, body, {
      id: `msg_${randomBytes(6).toString("hex")}`,
      timestampSeconds: Math.floor(Date.now() / 1000),
    });
    const first = await post(signed.token, body, headers);
    expect(first.status, first.text).toBe(202);
    // Past DEDUP_WINDOW_MS (1 s) only the webhook-id can tell it is the same message: a sender's
    // retry (or a captured copy) gets the order the first made, 200, and nothing new.
    await sleep(1_500);
    const replay = await post(signed.token, body, headers);
    expect(replay.status, replay.text).toBe(200);
    expect(orderIdOf(replay.text), replay.text).toBe(orderIdOf(first.text));
    expect(replay.headers["idempotent-replayed"], replay.text).toBe("true");
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && (await rowsWithComment(comment)) === 0) await sleep(100);
    expect(await rowsWithComment(comment)).toBe(1);
  });
});

describe("rate limiting", () => {
  it("limits a noisy user without slowing or limiting a quiet one", async () => {
    const noisy = await apps.scenario.addFixture({ rateLimitPerSecond: 5 });
    const quiet = await apps.scenario.addFixture({ rateLimitPerSecond: 5 });
    const burst = Array.from({ length: 60 }, (_, i) =>
      post(noisy.token, alert(`${apps.scenario.tag}-noisy-${i}`)),
    );
    const calm: HttpAnswer[] = [];
    for (let i = 0; i < 4; i++) {
      calm.push(await post(quiet.token, alert(`${apps.scenario.tag}-quiet-${i}`)));
      await sleep(150);
    }
    const noisyAnswers = await Promise.all(burst);
    const limited = noisyAnswers.filter((a) => a.status === 429);
    expect(limited.length, JSON.stringify(noisyAnswers.map((a) => a.status))).toBeGreaterThan(40);
    expect(limited[0]?.headers["retry-after"], limited[0]?.text).toBeDefined();
    expect(
      calm.map((a) => a.status),
      calm.map((a) => a.text).join("\n"),
    ).toEqual([202, 202, 202, 202]);
    recordMeasurement("rate-limit isolation (5/s each)", {
      noisySent: noisyAnswers.length,
      noisy429: limited.length,
      quietAccepted: calm.filter((a) => a.status === 202).length,
      quietSlowestMs: Math.round(Math.max(...calm.map((a) => a.ms))),
    });
  });
});

/** An accepted alert sent last: once its row exists, everything sent before it was processed. */
async function sentinel(token: string): Promise<string> {
  const comment = `${apps.scenario.tag}-sentinel-${randomBytes(4).toString("hex")}`;
  const answer = await post(token, alert(comment));
  expect(answer.status, answer.text).toBe(202);
  expect(orderIdOf(answer.text)).not.toBeNull();
  return comment;
}
