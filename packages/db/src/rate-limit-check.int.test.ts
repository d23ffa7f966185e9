import { randomBytes } from "node:crypto";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import { afterAll, describe, expect, inject, it } from "vitest";
import { findMigrationsFolder, runMigrations } from "./migrate";

// The run's database, from the global setup; read through vitest, not @orderhook/testing (the
// toolkit depends on this package, not the other way round).
const testDatabaseUrl = () => inject("databaseUrl");
const base = new URL(testDatabaseUrl());
const scratchName = `${base.pathname.slice(1)}_chk${randomBytes(3).toString("hex")}`;
const scratchUrl = Object.assign(new URL(base), { pathname: `/${scratchName}` }).toString();

afterAll(async () => {
  const sql = postgres(Object.assign(new URL(base), { pathname: "/postgres" }).toString(), {
    max: 1,
    onnotice: () => {},
  });
  await sql.unsafe(`drop database if exists "${scratchName}" with (force)`);
  await sql.end();
});

const email = () => `rate-${Math.random().toString(36).slice(2)}@example.test`;

describe("users.rate_limit_per_second", () => {
  it("refuses a rate of 0 or below with a CHECK violation, and takes null or a positive rate", async () => {
    const sql = postgres(testDatabaseUrl(), { max: 1, onnotice: () => {} });
    try {
      for (const rate of [0, -1]) {
        const insert = sql`insert into users (email, rate_limit_per_second) values (${email()}, ${rate})`;
        await expect(insert, `rate ${rate}`).rejects.toMatchObject({
          code: "23514",
          constraint_name: "users_rate_limit_per_second_positive",
        });
      }
      const existing = await sql<{ id: string }[]>`
        insert into users (email, rate_limit_per_second) values (${email()}, 5) returning id`;
      await expect(
        sql`update users set rate_limit_per_second = 0 where id = ${existing[0]!.id}`,
      ).rejects.toMatchObject({ code: "23514" });
      await sql`insert into users (email, rate_limit_per_second) values (${email()}, ${null})`;
    } finally {
      await sql.end();
    }
  });

  it("upgrades a database holding a rate of 0 to the lowest positive rate before adding the CHECK", async () => {
    const onlyInit = await mkdtemp(join(tmpdir(), "orderhook-migrations-"));
    try {
      const folder = findMigrationsFolder();
      await cp(folder, onlyInit, { recursive: true });
      const journalPath = join(onlyInit, "meta", "_journal.json");
      const journal = JSON.parse(await readFile(journalPath, "utf8")) as { entries: { tag: string }[] };
      journal.entries = journal.entries.filter((entry) => entry.tag === "0000_init");
      await writeFile(journalPath, JSON.stringify(journal));
      await runMigrations({ url: scratchUrl, migrationsFolder: onlyInit });

      const sql = postgres(scratchUrl, { max: 1, onnotice: () => {} });
      try {
        await sql`insert into users (email, rate_limit_per_second) values
          ('zero@example.test', 0), ('negative@example.test', -3), ('fine@example.test', 7)`;
        const upgraded = await runMigrations({ url: scratchUrl, migrationsFolder: folder });
        expect(upgraded.applied, JSON.stringify(upgraded)).toBeGreaterThanOrEqual(1);
        const rows = await sql<{ email: string; rate: number }[]>`
          select email, rate_limit_per_second as rate from users order by email`;
        expect(rows).toEqual([
          { email: "fine@example.test", rate: 7 },
          { email: "negative@example.test", rate: 1 },
          { email: "zero@example.test", rate: 1 },
        ]);
      } finally {
        await sql.end();
      }
    } finally {
      await rm(onlyInit, { recursive: true, force: true });
    }
  });
});
