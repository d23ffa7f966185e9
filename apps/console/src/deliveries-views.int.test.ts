import { createDbClient, type DbClient } from "@orderhook/db";
import { createDeliveryReader, type Delivery, type DeliveryPage } from "@orderhook/deliveries";
import { createRedis } from "@orderhook/queue";
import {
  AppProcess,
  createFixture,
  createSiblingWebhook,
  type Fixture,
  runOrderhook,
  signHeaders,
  testDatabaseUrl,
  testRedisUrl,
  uniquePrefix,
  waitUntil,
} from "@orderhook/testing";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDeliveryLog, type DeliveryLog } from "./delivery-log";

// One traffic, three views: the receiver's GET /v1/deliveries, `orderhook webhook log --json` and
// the console's DeliveryLog, over the log a real receiver process wrote.
const prefix = uniquePrefix("views");
const env = { DATABASE_URL: testDatabaseUrl(), REDIS_URL: testRedisUrl(), QUEUE_PREFIX: prefix };
/** Refusals are logged after their answer without a wait: they show within a second, bounded here generously. */
const VISIBLE_WITHIN_MS = 3_000;
let receiver: AppProcess;
let db: DbClient;
let redis: Redis;
let log: DeliveryLog;
let alice: Fixture;
let aliceSecond: Fixture;
let signed: Fixture;
let bob: Fixture;

beforeAll(async () => {
  db = createDbClient({ url: testDatabaseUrl(), max: 2, applicationName: "orderhook-views-test" });
  // Created before the receiver starts, so it loads their tokens as it does at boot.
  alice = await createFixture(db.db);
  aliceSecond = await createSiblingWebhook(db.db, alice);
  signed = await createFixture(db.db, { signingSecret: true });
  bob = await createFixture(db.db);
  receiver = await AppProcess.start({ app: "receiver", env });
  redis = createRedis(testRedisUrl());
  log = createDeliveryLog(createDeliveryReader({ redis, db: db.db, prefix, maxAgeMs: 7 * 86_400_000 }));
}, 60_000);

afterAll(async () => {
  await receiver?.kill();
  redis?.disconnect();
  await db?.close();
});

async function post(token: string, body: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${receiver.origin}/v1/webhooks/${token}`, {
    method: "POST",
    headers: { "content-type": "text/plain", ...headers },
    body,
  });
  return { status: res.status, text: await res.text() };
}

async function api(token: string, query = ""): Promise<DeliveryPage> {
  const res = await fetch(`${receiver.origin}/v1/deliveries${query}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const text = await res.text();
  expect(res.status, text).toBe(200);
  return JSON.parse(text) as DeliveryPage;
}

async function cli(webhookId: string): Promise<DeliveryPage> {
  const run = await runOrderhook(["webhook", "log", webhookId, "--json", "--limit", "50"], env);
  expect(run.code, run.stderr).toBe(0);
  return run.json<DeliveryPage>();
}

describe("the three views of the deliveries log", () => {
  it("show a refused alert within a second of its answer", async () => {
    const refused = await post(alice.token, '{"ticker":"NQ1!","action":"{{strategy.order.action}}"}');
    expect(refused.status, refused.text).toBe(422);
    const answeredAt = Date.now();
    const [seen] = await waitUntil(
      async () => {
        const page = await api(alice.token);
        return page.deliveries.length > 0 ? page.deliveries : undefined;
      },
      async () => JSON.stringify(await api(alice.token)),
      VISIBLE_WITHIN_MS,
    );
    expect(seen, `seen ${Date.now() - answeredAt} ms after the answer`).toMatchObject({
      outcome: "invalid_order",
      httpStatus: 422,
    });
    expect(seen!.errors.map((e) => e.field)).toContain("action");
  });

  it("agree for the same traffic: HTTP, CLI --json and the console read the same deliveries", async () => {
    const accepted = await post(alice.token, '{"ticker":"ES1!","action":"buy","quantity":"2"}');
    expect(accepted.status, accepted.text).toBe(202);
    expect((await post(alice.token, "not json")).status).toBe(400);
    expect((await post(aliceSecond.token, '{"ticker":"ES1!","action":"sell","quantity":0}')).status).toBe(
      422,
    );
    expect((await post(bob.token, '{"ticker":"CL1!","action":"buy","quantity":1}')).status).toBe(202);
    // Alice's four (the first test's refusal too) across her two webhooks; three on her first.
    const all = await waitUntil(
      async () => {
        const page = await api(aliceSecond.token);
        return page.deliveries.length >= 4 ? page : undefined;
      },
      async () => JSON.stringify(await api(alice.token)),
    );
    expect(all.deliveries.map((d) => d.httpStatus)).toEqual([422, 400, 202, 422]);
    expect(all.deliveries[2]).toMatchObject({
      orderId: JSON.parse(accepted.text).orderId,
      orderStatus: "queued",
      outcome: "accepted",
    });

    const viaConsole = await log.recent(alice.userId, { limit: 50 });
    expect(viaConsole).toEqual(all);

    const first = await api(alice.token, `?webhook=${alice.webhookId}`);
    expect(first.deliveries).toHaveLength(3);
    expect(await cli(alice.webhookId)).toEqual(first);
    expect(await log.recent(alice.userId, { webhookId: alice.webhookId, limit: 50 })).toEqual(first);
  });

  it("never show another user's deliveries", async () => {
    const bobs = await api(bob.token);
    expect(bobs.deliveries.map((d) => d.webhookId)).toEqual([bob.webhookId]);
    const res = await fetch(`${receiver.origin}/v1/deliveries?webhook=${alice.webhookId}`, {
      headers: { authorization: `Bearer ${bob.token}` },
    });
    expect(res.status).toBe(404);
    const viaCli = await cli(bob.webhookId);
    expect(viaCli.deliveries.map((d) => d.webhookId)).toEqual([bob.webhookId]);
    expect((await log.recent(bob.userId, { limit: 50 }))?.deliveries).toEqual(bobs.deliveries);
    expect(await log.recent(bob.userId, { webhookId: alice.webhookId, limit: 50 })).toEqual({
      deliveries: [],
      nextCursor: null,
    });
  });

  it("keep tokens and signatures out of every view", async () => {
    const body = JSON.stringify({ ticker: "ES1!", action: "buy", quantity: 1, comment: signed.token });
    const headers = signHeaders(signed.signingSecret!, body);
    expect((await post(signed.token, body, headers)).status).toBe(202);
    expect((await post(signed.token, body, { ...headers, "webhook-signature": "v1,Zm9yZ2Vk" })).status).toBe(
      401,
    );
    const views = await waitUntil(
      async () => {
        const page = await api(signed.token);
        return page.deliveries.length >= 2 ? page : undefined;
      },
      async () => JSON.stringify(await api(signed.token)),
    );
    const text = JSON.stringify([
      views,
      await cli(signed.webhookId),
      await log.recent(signed.userId, { limit: 50 }),
    ]);
    expect(views.deliveries.map((d: Delivery) => d.outcome)).toEqual(["invalid_token", "accepted"]);
    for (const secret of [signed.token, signed.signingSecret!, headers["webhook-signature"]!, "Zm9yZ2Vk"]) {
      expect(text).not.toContain(secret);
    }
  });
});
