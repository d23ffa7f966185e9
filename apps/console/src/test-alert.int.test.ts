import { createDbClient } from "@orderhook/db";
import { createOrderQueue, createRedis, type OrderQueue } from "@orderhook/queue";
import {
  AppProcess,
  createFixture,
  type Fixture,
  freePort,
  testDatabaseUrl,
  testRedisUrl,
  uniquePrefix,
} from "@orderhook/testing";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestConsole, type TestBrowser, type TestConsole } from "../test/console-harness";
import { createTestAlertSender } from "./send-test-alert";

// The test alert goes through a real receiver process over HTTP, as TradingView's would.
let t: TestConsole;
let receiver: AppProcess;
let redis: Redis;
let queue: OrderQueue;
let plain: Fixture;
let signed: Fixture;
let browser: TestBrowser;
const prefix = uniquePrefix("console-alert");

beforeAll(async () => {
  const db = createDbClient({ url: testDatabaseUrl(), max: 1, applicationName: "orderhook-console-test" });
  try {
    // Created before the receiver starts, so it loads their tokens as it does at boot.
    plain = await createFixture(db.db);
    signed = await createFixture(db.db, { signingSecret: true });
  } finally {
    await db.close();
  }
  receiver = await AppProcess.start({
    app: "receiver",
    env: { DATABASE_URL: testDatabaseUrl(), REDIS_URL: testRedisUrl(), QUEUE_PREFIX: prefix },
  });
  t = await createTestConsole({
    sendTestAlert: createTestAlertSender({ receiverUrl: receiver.origin }),
    receiverUrl: receiver.origin,
  });
  redis = createRedis(testRedisUrl());
  queue = createOrderQueue(redis, prefix);
  browser = t.browser();
  await browser.signIn(plain.token);
}, 60_000);

afterAll(async () => {
  await queue?.close();
  redis?.disconnect();
  await receiver?.kill();
  await t?.close();
});

function send(webhookId: string, token: string, body: string, as = browser) {
  return as.submit(`/webhooks/${webhookId}/test`, `/webhooks/${webhookId}/test`, { token, body });
}

describe("send a test alert", () => {
  it("posts the alert to the real receiver and shows its 202 with the order id, which is on the queue", async () => {
    const page = await send(
      plain.webhookId,
      plain.token,
      '{"ticker":"AAPL","action":"buy","quantity":"1.25"}',
    );
    expect(page.status, page.text).toBe(200);
    expect(page.text).toContain('<span data-field="http-status">202</span>');
    const orderId = /href="\/orders\/([0-9a-f-]{36})"/.exec(page.text)?.[1];
    expect(orderId, page.text).toBeDefined();
    const job = await queue.getJob(orderId!);
    expect(job?.data.userId).toBe(plain.userId);
    expect(job?.data.alert.quantity).toBe("1.25");
    expect(page.text, "the token is not sent back").not.toContain(plain.token);
  });

  it("signs the alert of a webhook that requires Standard Webhooks signatures, which the receiver accepts", async () => {
    const owner = t.browser();
    await owner.signIn(signed.token);
    const form = await owner.get(`/webhooks/${signed.webhookId}/test`);
    expect(form.text).toContain("signed with the webhook&#39;s signing secret");
    const page = await send(
      signed.webhookId,
      signed.token,
      '{"ticker":"MSFT","action":"sell","quantity":2}',
      owner,
    );
    expect(page.status, page.text).toBe(200);
    expect(page.text).toContain('<span data-field="http-status">202</span>');
  });

  it("shows the receiver's refusal as it is: status, code and field errors", async () => {
    const page = await send(plain.webhookId, plain.token, '{"ticker":"AAPL","action":"hold"}');
    expect(page.status, page.text).toBe(200);
    expect(page.text).toContain('<span data-field="http-status">422</span> invalid_order');
    expect(page.text).toContain("expected one of buy, sell, exit, cancel");
  });

  it("sends nothing when the token is not the webhook's current one", async () => {
    const before = await queue.count();
    const sibling = await t.sibling(plain);
    for (const token of [sibling.token, "not a token"]) {
      const page = await send(plain.webhookId, token, '{"ticker":"AAPL","action":"buy","quantity":1}');
      expect(page.status, page.text).toBe(422);
      expect(page.text).not.toContain('data-field="http-status"');
    }
    expect(await queue.count()).toBe(before);
  });

  it("says so when the receiver cannot be reached", async () => {
    // A port nothing listens on.
    const nowhere = `http://127.0.0.1:${await freePort()}`;
    const down = await createTestConsole({ sendTestAlert: createTestAlertSender({ receiverUrl: nowhere }) });
    try {
      const viewer = down.browser();
      await viewer.signIn(plain.token);
      const page = await viewer.submit(
        `/webhooks/${plain.webhookId}/test`,
        `/webhooks/${plain.webhookId}/test`,
        {
          token: plain.token,
          body: "{}",
        },
      );
      expect(page.status, page.text).toBe(200);
      expect(page.text).toContain(`Could not reach the receiver at ${nowhere} (ECONNREFUSED)`);
    } finally {
      await down.close();
    }
  });

  it("leaves no token in the receiver's log", () => {
    expect(receiver.output).toContain("/v1/webhooks/:token");
    for (const token of [plain.token, signed.token]) expect(receiver.output).not.toContain(token);
    expect(receiver.output).not.toContain(signed.signingSecret!);
  });
});
