import { createDeliveryWriter, type Delivery, type DeliveryRecord } from "@orderhook/deliveries";
import { createRedis } from "@orderhook/queue";
import { type Fixture, testRedisUrl, uniquePrefix, waitUntil } from "@orderhook/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSignedInConsole, type TestBrowser, type TestConsole } from "../test/console-harness";

// The console over the real deliveries log in Redis, entries written as the receiver writes refusals.
const prefix = uniquePrefix("console-dlv");
const redis = createRedis(testRedisUrl());
const writer = createDeliveryWriter(redis, { prefix, maxEntries: 1_000, maxAgeMs: 86_400_000 });
let t: TestConsole;
let alice: Fixture;
let bob: Fixture;
let browser: TestBrowser;

function entry(requestId: string, overrides: Partial<DeliveryRecord> = {}): DeliveryRecord {
  return {
    receivedAt: Date.now(),
    requestId,
    outcome: "invalid_order",
    httpStatus: 422,
    orderId: null,
    errors: [{ field: "action", message: "expected one of buy, sell, exit, cancel" }],
    ackMs: 0.61,
    clientIp: "203.0.113.5",
    contentType: "text/plain",
    bodyExcerpt: '{"ticker":"<i>NQ1!</i>","action":"hold"}',
    ...overrides,
  };
}

beforeAll(async () => {
  ({ t, alice, bob, browser } = await createSignedInConsole({
    deliveriesPrefix: prefix,
    pollIntervalMs: 50,
  }));
});
afterAll(async () => {
  await t.close();
  redis.disconnect();
});

describe("the deliveries page over the log in Redis", () => {
  it("lists the user's requests with outcome, field errors, body (escaped) and a chart of the last hour", async () => {
    writer.record(alice.userId, alice.webhookId, entry("alice-1"));
    writer.record(bob.userId, bob.webhookId, entry("bob-1", { bodyExcerpt: "bob's secret body" }));
    const page = await waitUntil(
      async () => {
        const got = await browser.get("/deliveries");
        return got.text.includes("data-delivery-id=") ? got : undefined;
      },
      async () => (await browser.get("/deliveries")).text,
    );
    expect(page.status, page.text).toBe(200);
    expect(page.text).toContain('data-live="deliveries"');
    expect(page.text).toContain("422 invalid_order");
    expect(page.text).toContain("action: expected one of buy, sell, exit, cancel");
    expect(page.text).toContain("&lt;i&gt;NQ1!&lt;/i&gt;");
    expect(page.text).not.toContain("<i>NQ1!");
    expect(page.text).toContain("invalid_order 1");
    expect(page.text).toContain("<meter");
    expect(page.text).not.toContain("bob&#39;s secret body");
    expect(page.text).not.toContain("bob's secret body");
  });

  it("answers another user's webhook id with 404, like one that does not exist", async () => {
    const theirs = await browser.get(`/deliveries?webhook=${bob.webhookId}`);
    expect(theirs.status).toBe(404);
    expect(theirs.text).not.toContain("bob");
  });

  it("streams a new refusal to the user's open pages as a delivery event, never to another user's", async () => {
    const bobBrowser = t.browser();
    await bobBrowser.signIn(bob.token);
    const aliceStream = await browser.openEvents();
    const bobStream = await bobBrowser.openEvents();
    try {
      // The stream reads from the entries present when it opened: only new ones are sent.
      writer.record(alice.userId, alice.webhookId, entry("alice-live"));
      writer.record(bob.userId, bob.webhookId, entry("bob-live"));
      const [live] = await waitUntil(
        async () => {
          const got = aliceStream.of<Delivery>("delivery");
          return got.length > 0 ? got : undefined;
        },
        () => JSON.stringify(aliceStream.messages),
        5_000,
      );
      expect(live).toMatchObject({ requestId: "alice-live", webhookId: alice.webhookId, httpStatus: 422 });
      await waitUntil(
        async () => (bobStream.of<Delivery>("delivery").length > 0 ? true : undefined),
        () => JSON.stringify(bobStream.messages),
        5_000,
      );
      expect(aliceStream.of<Delivery>("delivery").map((d) => d.requestId)).toEqual(["alice-live"]);
      expect(bobStream.of<Delivery>("delivery").map((d) => d.requestId)).toEqual(["bob-live"]);
    } finally {
      await aliceStream.cancel();
      await bobStream.cancel();
    }
  });
});
