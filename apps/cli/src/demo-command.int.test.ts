import { DEMO_EMAIL } from "@orderhook/admin";
import {
  brokerAccounts,
  createDbClient,
  hashToken,
  tokenDisplayPrefix,
  users,
  webhooks,
} from "@orderhook/db";
import { testDatabaseUrl } from "@orderhook/testing";
import { eq } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { cliRunner } from "../test/capture-cli";

const { run } = cliRunner();
const client = createDbClient({ url: testDatabaseUrl(), max: 2, applicationName: "cli-demo-test" });

interface Demo {
  token: string;
  url: string;
  curl: string;
  userId: string;
  accountId: string;
  webhookId: string;
}

afterAll(() => client.close());

describe("orderhook demo", () => {
  it("prints token, url and a curl, and a second run reuses the user, account and webhook with a new token", async () => {
    const first = await run(["demo", "--json"]);
    expect(first.code, first.stderr).toBe(0);
    const a = first.json<Demo>();
    expect(a.url).toBe(`http://localhost:3000/v1/webhooks/${a.token}`);
    expect(a.curl).toContain(`-X POST '${a.url}'`);

    const second = await run(["demo", "--json"]);
    expect(second.code, second.stderr).toBe(0);
    const b = second.json<Demo>();
    expect(b).toMatchObject({ userId: a.userId, accountId: a.accountId, webhookId: a.webhookId });
    expect(b.token).not.toBe(a.token);

    const [webhook] = await client.db.select().from(webhooks).where(eq(webhooks.id, b.webhookId));
    expect(webhook).toMatchObject({ active: true, tokenHash: hashToken(b.token) });
    const stale = await client.db
      .select()
      .from(webhooks)
      .where(eq(webhooks.tokenHash, hashToken(a.token)));
    expect(stale, "the previous demo token must stop working").toEqual([]);
  });

  it("never creates a second demo user, account or webhook when runs overlap", async () => {
    const runs = await Promise.all([
      run(["demo", "--json"]),
      run(["demo", "--json"]),
      run(["demo", "--json"]),
    ]);
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    const demoUsers = await client.db.select().from(users).where(eq(users.email, DEMO_EMAIL));
    expect(demoUsers).toHaveLength(1);
    const accounts = await client.db
      .select()
      .from(brokerAccounts)
      .where(eq(brokerAccounts.userId, demoUsers[0]!.id));
    expect(accounts).toHaveLength(1);
    const hooks = await client.db.select().from(webhooks).where(eq(webhooks.userId, demoUsers[0]!.id));
    expect(hooks).toHaveLength(1);
  });

  it("with --keep-token, leaves a working demo token alone and issues one only when none works", async () => {
    const issued = (await run(["demo", "--json"])).json<Demo>();
    const kept = await run(["demo", "--keep-token", "--json"]);
    expect(kept.code, kept.stderr).toBe(0);
    expect(kept.json(), kept.stdout).toMatchObject({
      token: null,
      tokenKept: true,
      webhookId: issued.webhookId,
      tokenPrefix: tokenDisplayPrefix(issued.token),
    });
    const human = await run(["demo", "--keep-token"]);
    expect(human.stdout, human.stdout).toContain("still works");
    const [webhook] = await client.db.select().from(webhooks).where(eq(webhooks.id, issued.webhookId));
    expect(webhook, "the printed token must keep working").toMatchObject({
      tokenHash: hashToken(issued.token),
    });

    expect((await run(["webhook", "revoke", issued.webhookId])).code).toBe(0);
    const revived = await run(["demo", "--keep-token", "--json"]);
    expect(revived.code, revived.stderr).toBe(0);
    const fresh = revived.json<Demo>();
    expect(fresh.token, revived.stdout).toMatch(/^oh_/);
    const [after] = await client.db.select().from(webhooks).where(eq(webhooks.id, issued.webhookId));
    expect(after).toMatchObject({ active: true, tokenHash: hashToken(fresh.token) });
  });

  it("brings a revoked demo webhook back to life", async () => {
    const { webhookId } = (await run(["demo", "--json"])).json<Demo>();
    expect((await run(["webhook", "revoke", webhookId])).code).toBe(0);
    const again = await run(["demo"]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/^curl -sS -X POST 'http:\/\/localhost:3000\/v1\/webhooks\/oh_\S+'/m);
    const [webhook] = await client.db.select().from(webhooks).where(eq(webhooks.id, webhookId));
    expect(webhook).toMatchObject({ active: true, revokedAt: null });
  });
});
