import { createDbClient, findMigrationsFolder, runMigrations, webhooks } from "@orderhook/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabaseUrl } from "./context";
import { PgBouncer } from "./pgbouncer";
import { scratchDatabase } from "./scratch-database";

let bouncer: PgBouncer;
beforeAll(async () => {
  // Two server connections for four clients: consecutive statements hop between them.
  bouncer = await PgBouncer.start({ target: testDatabaseUrl(), poolMode: "transaction", poolSize: 2 });
});
afterAll(async () => {
  await bouncer?.stop();
});

const testDatabase = () => new URL(testDatabaseUrl()).pathname.slice(1);

describe("Postgres clients behind PgBouncer in transaction mode (DATABASE_POOL_MODE)", () => {
  it("refuses a session-mode client at connect: statement_timeout is an unsupported startup parameter", async () => {
    const client = createDbClient({
      url: bouncer.url(testDatabase()),
      max: 1,
      applicationName: "pool-mode-test",
    });
    try {
      await expect(client.sql`select 1`).rejects.toThrow(/unsupported startup parameter: statement_timeout/);
    } finally {
      await client.close(0);
    }
  });

  it("serves a transaction-mode client: parameterised statements from a busy pool and transactions work", async () => {
    const client = createDbClient({
      url: bouncer.url(testDatabase()),
      max: 4,
      applicationName: "pool-mode-test",
      poolMode: "transaction",
    });
    try {
      const answers = await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          i % 2 === 0
            ? client.sql<{ n: number }[]>`select ${i}::int as n`.then((rows) => rows[0]!.n)
            : client.db
                .select({ id: webhooks.id })
                .from(webhooks)
                .limit(i)
                .then(() => i),
        ),
      );
      expect(answers).toEqual(Array.from({ length: 200 }, (_, i) => i));
      const [locked] = await client.sql.begin((tx) => tx`select pg_advisory_xact_lock(${42}) is null as ok`);
      expect(locked).toEqual({ ok: false });
    } finally {
      await client.close();
    }
  });

  it("keeps the statement timeout in force: migrations make it the database's default", async () => {
    const scratch = scratchDatabase("pool");
    try {
      const result = await runMigrations({
        url: scratch.url,
        migrationsFolder: findMigrationsFolder(),
        databaseStatementTimeoutMs: 300,
      });
      expect(result.statementTimeoutMs).toBe(300);
      const client = createDbClient({
        url: bouncer.url(new URL(scratch.url).pathname.slice(1)),
        max: 1,
        applicationName: "pool-mode-test",
        poolMode: "transaction",
      });
      try {
        const [shown] = await client.sql<{ statement_timeout: string }[]>`show statement_timeout`;
        expect(shown?.statement_timeout).toBe("300ms");
        await expect(client.sql`select pg_sleep(5)`).rejects.toMatchObject({ code: "57014" });
      } finally {
        await client.close(0);
      }
    } finally {
      await scratch.drop();
    }
  });
});
