import { createDbClient, findMigrationsFolder, runMigrations } from "@orderhook/db";
import { scratchDatabase, testDatabaseUrl } from "@orderhook/testing";
import { describe, expect, it } from "vitest";
import { checkDatabase, DatabaseNotReadyError } from "./check-database";

describe("checkDatabase", () => {
  it("passes on a migrated database", async () => {
    const client = createDbClient({ url: testDatabaseUrl(), max: 1, applicationName: "check-database-test" });
    await expect(checkDatabase(client.sql)).resolves.toBeUndefined();
    await client.close();
  });

  it("refuses an orders table that lacks a column of the schema, naming the column and the migrate command", async () => {
    const scratch = scratchDatabase("cols");
    const client = createDbClient({ url: scratch.url, max: 1, applicationName: "check-database-test" });
    try {
      await runMigrations({
        url: scratch.url,
        migrationsFolder: findMigrationsFolder(),
        createDatabase: true,
      });
      await client.sql`alter table orders drop column sentiment`;
      const refusal = await checkDatabase(client.sql).catch((error: unknown) => error);
      expect(refusal).toBeInstanceOf(DatabaseNotReadyError);
      expect(String(refusal)).toMatch(/sentiment.*pnpm orderhook db migrate/);
    } finally {
      await client.close();
      await scratch.drop();
    }
  });
});
