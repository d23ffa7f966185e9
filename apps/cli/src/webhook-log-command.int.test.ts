import { createDbClient } from "@orderhook/db";
import {
  createDeliveryWriter,
  type Delivery,
  type DeliveryPage,
  type DeliveryRecord,
} from "@orderhook/deliveries";
import { createRedis } from "@orderhook/queue";
import {
  createFixture,
  createSiblingWebhook,
  testDatabaseUrl,
  testRedisUrl,
  waitUntil,
} from "@orderhook/testing";
import { afterAll, describe, expect, it } from "vitest";
import { cliRunner } from "../test/capture-cli";
import { runCli } from "./run-cli";

const { env, run } = cliRunner();
const client = createDbClient({ url: testDatabaseUrl(), max: 2, applicationName: "cli-webhook-log-test" });
const redis = createRedis(testRedisUrl());
const writer = createDeliveryWriter(redis, {
  prefix: env.QUEUE_PREFIX,
  maxEntries: 1_000,
  maxAgeMs: 86_400_000,
});

afterAll(async () => {
  redis.disconnect();
  await client.close();
});

function entry(requestId: string, overrides: Partial<DeliveryRecord> = {}): DeliveryRecord {
  return {
    receivedAt: Date.now(),
    requestId,
    outcome: "invalid_order",
    httpStatus: 422,
    orderId: null,
    errors: [{ field: "quantity", message: "must be above 0" }],
    ackMs: 0.5,
    clientIp: "203.0.113.7",
    contentType: "text/plain",
    bodyExcerpt: '{"ticker":"AAPL","action":"buy","quantity":0}',
    ...overrides,
  };
}

/** Entries are written without waiting: wait until the webhook's log has `count`. */
async function logged(webhookId: string, count: number): Promise<Delivery[]> {
  return waitUntil(
    async () => {
      const page = (
        await run(["webhook", "log", webhookId, "--json", "--limit", "200"])
      ).json<DeliveryPage>();
      return page.deliveries.length >= count ? page.deliveries : undefined;
    },
    async () => (await run(["webhook", "log", webhookId, "--json"])).stdout,
  );
}

describe("orderhook webhook log", () => {
  it("prints the webhook's deliveries, newest first in JSON and oldest first as a table", async () => {
    const f = await createFixture(client.db);
    writer.record(f.userId, f.webhookId, entry("req-a"));
    writer.record(
      f.userId,
      f.webhookId,
      entry("req-b", { outcome: "rate_limited", httpStatus: 429, errors: [] }),
    );
    const deliveries = await logged(f.webhookId, 2);
    expect(deliveries.map((d) => d.requestId)).toEqual(["req-b", "req-a"]);
    expect(deliveries[1]).toMatchObject({
      webhookId: f.webhookId,
      outcome: "invalid_order",
      httpStatus: 422,
      errors: [{ field: "quantity", message: "must be above 0" }],
      clientIp: "203.0.113.7",
    });

    const human = await run(["webhook", "log", f.webhookId]);
    expect(human.code, human.stderr).toBe(0);
    const lines = human.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^RECEIVED\s+STATUS\s+OUTCOME/);
    expect(lines[1]).toMatch(/422\s+invalid_order.*quantity: must be above 0/);
    expect(lines[2]).toMatch(/429\s+rate_limited/);

    const one = (await run(["webhook", "log", f.webhookId, "--limit", "1", "--json"])).json<DeliveryPage>();
    expect(one.deliveries.map((d) => d.requestId)).toEqual(["req-b"]);
    expect(one.nextCursor).not.toBeNull();
  });

  it("shows only that webhook's deliveries: never another user's, nor the owner's other webhooks'", async () => {
    const mine = await createFixture(client.db);
    const sibling = await createSiblingWebhook(client.db, mine);
    const theirs = await createFixture(client.db);
    writer.record(mine.userId, mine.webhookId, entry("mine"));
    writer.record(mine.userId, sibling.webhookId, entry("sibling"));
    writer.record(theirs.userId, theirs.webhookId, entry("theirs"));
    await logged(theirs.webhookId, 1);
    await logged(sibling.webhookId, 1);
    const deliveries = await logged(mine.webhookId, 1);
    expect(deliveries.map((d) => d.requestId)).toEqual(["mine"]);
  });

  it("refuses a bad limit and an unknown webhook", async () => {
    const f = await createFixture(client.db);
    const limit = await run(["webhook", "log", f.webhookId, "--limit", "0"]);
    expect(limit.code).toBe(1);
    expect(limit.stderr).toMatch(/--limit must be 1 to 200/);
    const unknown = await run(["webhook", "log", crypto.randomUUID(), "--json"]);
    expect(unknown.code).toBe(1);
    expect(JSON.parse(unknown.stderr).error.code).toBe("not_found");
  });

  it("follows new deliveries as they arrive, one JSON line each, and ends cleanly when interrupted", async () => {
    const f = await createFixture(client.db);
    writer.record(f.userId, f.webhookId, entry("before"));
    await logged(f.webhookId, 1);
    const stop = new AbortController();
    let stdout = "";
    const lines = () =>
      stdout
        .trim()
        .split("\n")
        .filter(Boolean)
        .map((text) => JSON.parse(text) as Delivery);
    const running = runCli(["webhook", "log", f.webhookId, "--follow", "--json"], {
      env,
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: () => {} },
      interrupt: stop.signal,
    });
    await waitUntil(
      async () => (lines().length === 1 ? true : undefined),
      () => stdout,
    );
    writer.record(f.userId, f.webhookId, entry("live-1"));
    writer.record(
      f.userId,
      f.webhookId,
      entry("live-2", { outcome: "accepted", httpStatus: 202, errors: [] }),
    );
    await waitUntil(
      async () => (lines().length === 3 ? true : undefined),
      () => stdout,
    );
    stop.abort();
    expect(await running).toBe(0);
    expect(lines().map((d) => d.requestId)).toEqual(["before", "live-1", "live-2"]);
  });
});
