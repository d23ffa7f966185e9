import { randomBytes } from "node:crypto";
import postgres from "postgres";
import { afterAll, describe, expect, inject, it } from "vitest";
import { findMigrationsFolder, runMigrations } from "./migrate";

// The run's database, from the global setup (vitest.config.ts). Read through vitest itself, not
// @orderhook/testing: the toolkit depends on this package, not the other way round.
const base = new URL(inject("databaseUrl"));
const name = `${base.pathname.slice(1)}_m${randomBytes(3).toString("hex")}`;
const url = new URL(base);
url.pathname = `/${name}`;

afterAll(async () => {
  const admin = new URL(base);
  admin.pathname = "/postgres";
  const sql = postgres(admin.toString(), { max: 1, onnotice: () => {} });
  await sql.unsafe(`drop database if exists "${name}" with (force)`);
  await sql.end();
});

describe("runMigrations", () => {
  it("creates a missing database and applies every migration to it, twice in parallel without harm", async () => {
    const migrationsFolder = findMigrationsFolder();
    const results = await Promise.all([
      runMigrations({ url: url.toString(), migrationsFolder }),
      runMigrations({ url: url.toString(), migrationsFolder }),
    ]);
    expect(results.filter((r) => r.databaseCreated)).toHaveLength(1);
    expect(results.map((r) => r.applied).sort()).toEqual([0, results[0]!.total]);

    const again = await runMigrations({ url: url.toString(), migrationsFolder });
    expect(again).toMatchObject({ databaseCreated: false, applied: 0 });

    const sql = postgres(url.toString(), { max: 1 });
    const tables = await sql<{ table_name: string }[]>`
      select table_name from information_schema.tables where table_schema = 'public' order by table_name`;
    await sql.end();
    expect(tables.map((t) => t.table_name)).toEqual(["broker_accounts", "orders", "users", "webhooks"]);
  });
});
