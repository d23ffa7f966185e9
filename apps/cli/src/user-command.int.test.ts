import { randomBytes } from "node:crypto";
import { createDbClient, users, webhooks } from "@orderhook/db";
import {
  createRedis,
  parseWebhookEvent,
  type ReceivedWebhookEvent,
  subscribeToWebhookEventsChannel,
} from "@orderhook/queue";
import { createFixture, createSiblingWebhook, testDatabaseUrl, testRedisUrl } from "@orderhook/testing";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliRunner } from "../test/capture-cli";

const { env, run } = cliRunner();
const client = createDbClient({ url: testDatabaseUrl(), max: 2, applicationName: "cli-user-test" });
const subscriber = createRedis(testRedisUrl());
const events: ReceivedWebhookEvent[] = [];
const email = () => `user-${randomBytes(5).toString("hex")}@example.test`;

beforeAll(async () => {
  subscriber.on("message", (_channel, message) => {
    const event = parseWebhookEvent(message);
    if (event) events.push(event);
  });
  await subscribeToWebhookEventsChannel(subscriber, env.QUEUE_PREFIX);
});
afterAll(async () => {
  subscriber.disconnect();
  await client.close();
});

describe("orderhook user create --burst", () => {
  it("stores the burst beside the rate, and leaves both to the defaults when not given", async () => {
    const address = email();
    const result = await run([
      "user",
      "create",
      "--email",
      address,
      "--rate-limit",
      "10",
      "--burst",
      "20",
      "--json",
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.json()).toMatchObject({ email: address, rateLimitPerSecond: 10, rateLimitBurst: 20 });

    const plain = await run(["user", "create", "--email", email(), "--json"]);
    expect(plain.json(), plain.stdout).toMatchObject({ rateLimitPerSecond: null, rateLimitBurst: null });
    const human = await run(["user", "create", "--email", email()]);
    expect(human.stdout, human.stdout).toMatch(/burst\s+one second's worth \(the rate\)/);
  });

  it("refuses a burst of 0 or one that is not a whole number", async () => {
    const zero = await run(["user", "create", "--email", email(), "--burst", "0", "--json"]);
    expect(zero.code).toBe(1);
    expect(JSON.parse(zero.stderr), zero.stderr).toEqual({
      error: { code: "invalid_argument", message: "burst must be a whole number from 1 to 1000000" },
    });
    const words = await run(["user", "create", "--email", email(), "--burst", "lots"]);
    expect(words.stderr, words.stderr).toMatch(/^orderhook: invalid_argument: .*--burst.*whole number/);
  });
});

describe("orderhook user update", () => {
  it("changes the rate and the burst, and tells receivers through an updated event per active webhook", async () => {
    const owner = await createFixture(client.db, { rateLimitPerSecond: 10 });
    const second = await createSiblingWebhook(client.db, owner);
    const revoked = await createSiblingWebhook(client.db, owner);
    await client.db
      .update(webhooks)
      .set({ active: false, revokedAt: new Date() })
      .where(eq(webhooks.id, revoked.webhookId));
    const before = events.length;

    const result = await run(["user", "update", owner.email.toUpperCase(), "--burst", "14", "--json"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.json()).toMatchObject({
      id: owner.userId,
      rateLimitPerSecond: 10,
      rateLimitBurst: 14,
      broadcast: { delivered: true },
    });
    await expect.poll(() => events.length, { timeout: 5_000 }).toBe(before + 2);
    expect(
      events
        .slice(before)
        .map((e) => [e.type, e.webhookId, e.userId, e.tokenHash])
        .sort(),
    ).toEqual(
      [
        ["updated", owner.webhookId, owner.userId, null],
        ["updated", second.webhookId, owner.userId, null],
      ].sort(),
    );

    const rate = await run(["user", "update", owner.email, "--rate-limit", "25"]);
    expect(rate.code, rate.stderr).toBe(0);
    expect(rate.stdout, rate.stdout).toMatch(/rate limit\s+25\/s\n/);
    expect(rate.stdout, rate.stdout).toMatch(/burst\s+14 at once/);
  });

  it("puts the rate and the burst back to the defaults with none", async () => {
    const owner = await createFixture(client.db, { rateLimitPerSecond: 5 });
    await run(["user", "update", owner.email, "--burst", "9"]);
    const result = await run([
      "user",
      "update",
      owner.email,
      "--rate-limit",
      "none",
      "--burst",
      "NONE",
      "--json",
    ]);
    expect(result.code, result.stderr).toBe(0);
    const [row] = await client.db.select().from(users).where(eq(users.id, owner.userId));
    expect(row).toMatchObject({ rateLimitPerSecond: null, rateLimitBurst: null });
  });

  it("refuses an update that changes nothing, an unknown user and a burst of 0, changing nothing", async () => {
    const owner = await createFixture(client.db, { rateLimitPerSecond: 5 });
    const nothing = await run(["user", "update", owner.email, "--json"]);
    expect(nothing.code).toBe(1);
    expect(JSON.parse(nothing.stderr).error, nothing.stderr).toEqual({
      code: "invalid_argument",
      message: "no setting to change: give a rate limit or a burst",
    });
    const unknown = await run(["user", "update", "nobody@example.test", "--burst", "3"]);
    expect(unknown.stderr).toBe("orderhook: not_found: no user with email nobody@example.test\n");
    const zero = await run(["user", "update", owner.email, "--rate-limit", "7", "--burst", "0"]);
    expect(zero.stderr).toMatch(/invalid_argument: burst must be a whole number from 1/);
    const [row] = await client.db.select().from(users).where(eq(users.id, owner.userId));
    expect(row).toMatchObject({ rateLimitPerSecond: 5, rateLimitBurst: null });
  });

  it("still saves the change when Redis is down, warning that receivers apply it within their cache TTL", async () => {
    const owner = await createFixture(client.db);
    const result = await run(["user", "update", owner.email, "--burst", "30"], {
      REDIS_URL: "redis://127.0.0.1:1",
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/^orderhook: warning: .*CREDENTIAL_CACHE_TTL_MS/);
    const [row] = await client.db.select().from(users).where(eq(users.id, owner.userId));
    expect(row!.rateLimitBurst).toBe(30);
  });
});
