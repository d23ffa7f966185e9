import { createServer } from "node:net";
import { createDbClient, hashToken, webhooks } from "@orderhook/db";
import {
  createRedis,
  parseWebhookEvent,
  subscribeToWebhookEventsChannel,
  type WebhookEvent,
} from "@orderhook/queue";
import { createFixture, type Fixture, testDatabaseUrl, testRedisUrl } from "@orderhook/testing";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliRunner } from "../test/capture-cli";

const { env, run } = cliRunner();
const client = createDbClient({ url: testDatabaseUrl(), max: 2, applicationName: "cli-webhook-test" });
const subscriber = createRedis(testRedisUrl());
const events: WebhookEvent[] = [];
let fixture: Fixture;
let closedPort: number;

/** The whole row as text, to show that the token appears nowhere in it. */
async function rowText(id: string): Promise<string> {
  const rows = await client.db.execute<{ row: string }>(
    sql`select row_to_json(w)::text as row from ${webhooks} w where id = ${id}`,
  );
  return rows[0]!.row;
}

async function nextEvent(count: number): Promise<WebhookEvent> {
  await expect.poll(() => events.length, { timeout: 5_000 }).toBeGreaterThanOrEqual(count);
  return events[count - 1]!;
}

beforeAll(async () => {
  fixture = await createFixture(client.db);
  subscriber.on("message", (_channel, message) => {
    const event = parseWebhookEvent(message);
    if (event) events.push(event);
  });
  await subscribeToWebhookEventsChannel(subscriber, env.QUEUE_PREFIX);
  // A port nothing listens on, to play a Redis that is down.
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  closedPort = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
});

afterAll(async () => {
  subscriber.disconnect();
  await client.close();
});

describe("orderhook webhook create", () => {
  it("prints the token and URL once, stores only the token's SHA-256 and tells receivers about it", async () => {
    const before = events.length;
    const result = await run(["webhook", "create", "--account", fixture.accountId, "--name", "tv", "--json"]);
    expect(result.code, result.stderr).toBe(0);
    const created = result.json<{
      id: string;
      token: string;
      url: string;
      signingSecret: null;
      name: string;
    }>();
    expect(created.token).toMatch(/^oh_[A-Za-z0-9_-]{43}$/);
    expect(created.url).toBe(`http://localhost:3000/v1/webhooks/${created.token}`);
    expect(created).toMatchObject({ name: "tv", signingSecret: null });

    const [row] = await client.db.select().from(webhooks).where(eq(webhooks.id, created.id));
    expect(row!.tokenHash).toBe(hashToken(created.token));
    expect(row!.tokenHash).toMatch(/^[0-9a-f]{64}$/);
    const text = await rowText(created.id);
    expect(text).not.toContain(created.token);
    expect(text).not.toContain(created.token.slice(12));
    // Receivers load the new token's hash from Postgres by the webhook id; the event carries neither.
    expect(await nextEvent(before + 1)).toMatchObject({
      type: "created",
      webhookId: created.id,
      tokenHash: null,
    });
    expect(JSON.stringify(events)).not.toContain(created.token);
  });

  it("builds the URL from PUBLIC_URL and prints a whsec_ signing secret when asked", async () => {
    const result = await run(["webhook", "create", "--account", fixture.accountId, "--signing-secret"], {
      PUBLIC_URL: "https://hooks.example.com/orderhook",
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(
      /url\s+https:\/\/hooks\.example\.com\/orderhook\/v1\/webhooks\/oh_\S{43}\n/,
    );
    expect(result.stdout).toMatch(/signing secret\s+whsec_\S+/);
  });

  it("refuses an unknown account and an account id that is not a UUID", async () => {
    const unknown = await run(["webhook", "create", "--account", "00000000-0000-4000-8000-000000000000"]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe(
      "orderhook: not_found: no broker account with id 00000000-0000-4000-8000-000000000000\n",
    );
    const malformed = await run(["webhook", "create", "--account", "main", "--json"]);
    expect(malformed.code).toBe(1);
    expect(JSON.parse(malformed.stderr).error.code, malformed.stderr).toBe("invalid_argument");
  });
});

describe("orderhook webhook list", () => {
  it("lists a user's webhooks with their token prefix and state, never a token or secret", async () => {
    const owner = await createFixture(client.db, { signingSecret: true });
    const result = await run(["webhook", "list", "--user", owner.email, "--json"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.json<{ webhooks: unknown[] }>().webhooks).toEqual([
      expect.objectContaining({
        id: owner.webhookId,
        userEmail: owner.email,
        accountName: owner.accountName,
        tokenPrefix: owner.token.slice(0, 9),
        signed: true,
        active: true,
      }),
    ]);
    expect(result.stdout).not.toContain(owner.token);
    expect(result.stdout).not.toContain(owner.signingSecret);

    const human = await run(["webhook", "list", "--user", owner.email]);
    expect(human.stdout, human.stdout).toMatch(
      /^WEBHOOK\s+NAME\s+USER\s+ACCOUNT\s+TOKEN\s+SIGNED\s+STATE\s+CREATED\n/,
    );
  });
});

describe("orderhook webhook rotate", () => {
  it("replaces the token, invalidating the old one, and tells receivers the old hash", async () => {
    const before = events.length;
    const rotated = await run(["webhook", "rotate", fixture.webhookId, "--json"]);
    expect(rotated.code, rotated.stderr).toBe(0);
    const { token, broadcast } = rotated.json<{ token: string; broadcast: { delivered: boolean } }>();
    expect(token).not.toBe(fixture.token);
    expect(broadcast.delivered).toBe(true);

    const [row] = await client.db.select().from(webhooks).where(eq(webhooks.id, fixture.webhookId));
    expect(row!.tokenHash).toBe(hashToken(token));
    const event = await nextEvent(before + 1);
    expect(event).toEqual({
      type: "rotated",
      webhookId: fixture.webhookId,
      userId: fixture.userId,
      tokenHash: hashToken(fixture.token),
      version: expect.any(Number),
    });
    expect(JSON.stringify(events)).not.toContain(token);
  });

  it("refuses to rotate a revoked webhook", async () => {
    const other = await createFixture(client.db);
    expect((await run(["webhook", "revoke", other.webhookId])).code).toBe(0);
    const result = await run(["webhook", "rotate", other.webhookId]);
    expect(result.code).toBe(1);
    expect(result.stderr, result.stderr).toMatch(/^orderhook: conflict: webhook .* is revoked/);
  });
});

describe("orderhook webhook revoke", () => {
  it("deactivates the webhook, broadcasts the revocation and is harmless twice", async () => {
    const target = await createFixture(client.db);
    const before = events.length;
    const first = await run(["webhook", "revoke", target.webhookId, "--json"]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.json()).toMatchObject({ active: false, alreadyRevoked: false });
    expect(await nextEvent(before + 1)).toMatchObject({ type: "revoked", webhookId: target.webhookId });

    const second = await run(["webhook", "revoke", target.webhookId, "--json"]);
    expect(second.json()).toMatchObject({ alreadyRevoked: true, revokedAt: first.json().revokedAt });
  });

  it("still revokes when Redis is down, warning that receivers catch up within their cache TTL", async () => {
    const target = await createFixture(client.db);
    const result = await run(["webhook", "revoke", target.webhookId], {
      REDIS_URL: `redis://127.0.0.1:${closedPort}`,
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/^orderhook: warning: .*unreachable.*CREDENTIAL_CACHE_TTL_MS/);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    const [row] = await client.db.select().from(webhooks).where(eq(webhooks.id, target.webhookId));
    expect(row).toMatchObject({ active: false, revokedAt: expect.any(Date) });
  });

  it("says which webhook is unknown", async () => {
    const result = await run(["webhook", "revoke", "00000000-0000-4000-8000-000000000001", "--json"]);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stderr), result.stderr).toEqual({
      error: { code: "not_found", message: "no webhook with id 00000000-0000-4000-8000-000000000001" },
    });
  });
});

describe("orderhook webhook create with alert settings", () => {
  it("stores the default quantity as an exact decimal, the dedup window and the max lag", async () => {
    const result = await run([
      "webhook",
      "create",
      "--account",
      fixture.accountId,
      "--default-quantity",
      "0.00125000",
      "--dedup-window-ms",
      "0",
      "--max-lag-seconds",
      "30",
      "--json",
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.json(), result.stdout).toMatchObject({
      defaultQuantity: "0.00125000",
      dedupWindowMs: 0,
      maxLagSeconds: 30,
    });
    const [row] = await client.db
      .select()
      .from(webhooks)
      .where(eq(webhooks.id, result.json().id as string));
    expect(row).toMatchObject({ defaultQuantity: "0.00125000", dedupWindowMs: 0, maxLagSeconds: 30 });
  });

  it("leaves every setting at its default when none is given", async () => {
    const result = await run(["webhook", "create", "--account", fixture.accountId, "--json"]);
    expect(result.json(), result.stdout).toMatchObject({
      defaultQuantity: null,
      dedupWindowMs: null,
      maxLagSeconds: null,
    });
  });

  it("refuses a default quantity that is not a decimal above 0, creating nothing", async () => {
    const count = async () =>
      (await client.db.select().from(webhooks).where(eq(webhooks.accountId, fixture.accountId))).length;
    const before = await count();
    for (const [quantity, message] of [
      ["0", "must be greater than 0"],
      ["lots", "expected a decimal number"],
      ["1.1234567890123456789", "must have at most 18 digits after the decimal point"],
    ] as const) {
      const result = await run([
        "webhook",
        "create",
        "--account",
        fixture.accountId,
        "--default-quantity",
        quantity,
      ]);
      expect(result.code, result.stderr).toBe(1);
      expect(result.stderr, result.stderr).toContain(
        `orderhook: invalid_argument: default quantity "${quantity}" ${message}`,
      );
    }
    expect(await count()).toBe(before);
  });
});

describe("orderhook webhook show", () => {
  it("shows the settings, owner and account, and the owner's rate and burst, never the token or secret", async () => {
    const owner = await createFixture(client.db, { signingSecret: true, rateLimitPerSecond: 10 });
    await run(["webhook", "update", owner.webhookId, "--default-quantity", "2", "--max-lag-seconds", "60"]);
    const result = await run(["webhook", "show", owner.webhookId, "--json"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.json()).toEqual({
      id: owner.webhookId,
      name: expect.any(String),
      userId: owner.userId,
      accountId: owner.accountId,
      tokenPrefix: owner.token.slice(0, 9),
      signed: true,
      active: true,
      defaultQuantity: "2",
      dedupWindowMs: null,
      maxLagSeconds: 60,
      createdAt: expect.any(String),
      rotatedAt: null,
      revokedAt: null,
      userEmail: owner.email,
      accountName: owner.accountName,
      rateLimitPerSecond: 10,
      rateLimitBurst: null,
    });
    const human = await run(["webhook", "show", owner.webhookId]);
    for (const line of [
      /default quantity\s+2\n/,
      /dedup window\s+receiver default \(DEDUP_WINDOW_MS\)\n/,
      /max lag\s+60 s\n/,
      /rate limit\s+10\/s\n/,
      /burst\s+one second's worth \(the rate\)/,
    ]) {
      expect(human.stdout, human.stdout).toMatch(line);
    }
    for (const text of [result.stdout, human.stdout]) {
      expect(text).not.toContain(owner.token);
      expect(text).not.toContain(owner.signingSecret);
      expect(text).not.toContain(hashToken(owner.token));
    }
  });

  it("says which webhook is unknown", async () => {
    const result = await run(["webhook", "show", "00000000-0000-4000-8000-000000000002"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      "orderhook: not_found: no webhook with id 00000000-0000-4000-8000-000000000002\n",
    );
  });
});

describe("orderhook webhook update", () => {
  it("changes the settings given, keeps the others, and broadcasts an updated event", async () => {
    const target = await createFixture(client.db);
    await run(["webhook", "update", target.webhookId, "--max-lag-seconds", "45"]);
    const before = events.length;
    const result = await run([
      "webhook",
      "update",
      target.webhookId,
      "--default-quantity",
      "1.50",
      "--dedup-window-ms",
      "0",
      "--json",
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.json()).toMatchObject({
      id: target.webhookId,
      defaultQuantity: "1.50",
      dedupWindowMs: 0,
      maxLagSeconds: 45,
      broadcast: { delivered: true },
    });
    expect(await nextEvent(before + 1)).toEqual({
      type: "updated",
      webhookId: target.webhookId,
      userId: target.userId,
      tokenHash: null,
      version: expect.any(Number),
    });
    const human = await run(["webhook", "update", target.webhookId, "--dedup-window-ms", "250"]);
    expect(human.stdout, human.stdout).toMatch(/dedup window\s+250 ms\n/);
    expect(human.stdout, human.stdout).toMatch(/default quantity\s+1\.50\n/);
  });

  it("puts a setting back to its default with none", async () => {
    const target = await createFixture(client.db);
    await run([
      "webhook",
      "update",
      target.webhookId,
      "--default-quantity",
      "3",
      "--dedup-window-ms",
      "0",
      "--max-lag-seconds",
      "9",
    ]);
    const result = await run([
      "webhook",
      "update",
      target.webhookId,
      "--default-quantity",
      "none",
      "--dedup-window-ms",
      "none",
      "--max-lag-seconds",
      "none",
      "--json",
    ]);
    expect(result.code, result.stderr).toBe(0);
    const [row] = await client.db.select().from(webhooks).where(eq(webhooks.id, target.webhookId));
    expect(row).toMatchObject({ defaultQuantity: null, dedupWindowMs: null, maxLagSeconds: null });
  });

  it("refuses out-of-range settings, an update without one and a revoked webhook, changing nothing", async () => {
    const target = await createFixture(client.db);
    const cases: [string[], string][] = [
      [["--dedup-window-ms", "3600001"], "dedup window (ms) must be a whole number from 0 to 3600000"],
      [["--max-lag-seconds", "0"], "max lag (s) must be a whole number from 1 to 86400"],
      [["--default-quantity", "-1"], 'default quantity "-1" must be greater than 0'],
      [[], "no setting to change: give a default quantity, a dedup window or a max lag"],
    ];
    for (const [args, message] of cases) {
      const result = await run(["webhook", "update", target.webhookId, ...args, "--json"]);
      expect(result.code, result.stderr).toBe(1);
      expect(JSON.parse(result.stderr).error, result.stderr).toEqual({ code: "invalid_argument", message });
    }
    const words = await run(["webhook", "update", target.webhookId, "--max-lag-seconds", "soon"]);
    expect(words.stderr, words.stderr).toMatch(
      /^orderhook: invalid_argument: .*--max-lag-seconds.*whole number/,
    );
    const [row] = await client.db.select().from(webhooks).where(eq(webhooks.id, target.webhookId));
    expect(row).toMatchObject({ defaultQuantity: null, dedupWindowMs: null, maxLagSeconds: null });

    await run(["webhook", "revoke", target.webhookId]);
    const revoked = await run(["webhook", "update", target.webhookId, "--max-lag-seconds", "5"]);
    expect(revoked.stderr, revoked.stderr).toMatch(/^orderhook: conflict: webhook .* is revoked/);
  });
});
