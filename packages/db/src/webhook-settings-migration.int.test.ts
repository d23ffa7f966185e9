import { randomBytes } from "node:crypto";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import { afterAll, describe, expect, inject, it } from "vitest";
import { findMigrationsFolder, runMigrations } from "./migrate";

// Migration 0002 (per-webhook alert settings, the user's burst) applied to a database that is
// at 0001 with users and webhooks in it. The run's database comes from the global setup through
// vitest, not @orderhook/testing (the toolkit depends on this package, not the other way round).

const base = new URL(inject("databaseUrl"));
const scratchName = `${base.pathname.slice(1)}_ws${randomBytes(3).toString("hex")}`;
const scratchUrl = Object.assign(new URL(base), { pathname: `/${scratchName}` }).toString();
const CHECK_VIOLATION = "23514";

afterAll(async () => {
  const sql = postgres(Object.assign(new URL(base), { pathname: "/postgres" }).toString(), {
    max: 1,
    onnotice: () => {},
  });
  await sql.unsafe(`drop database if exists "${scratchName}" with (force)`);
  await sql.end();
});

/** A copy of drizzle/ whose journal stops at `lastTag`: a database migrated with it is at that version. */
async function migrationsUpTo(lastTag: string): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), "orderhook-migrations-"));
  await cp(findMigrationsFolder(), folder, { recursive: true });
  const journalPath = join(folder, "meta", "_journal.json");
  const journal = JSON.parse(await readFile(journalPath, "utf8")) as { entries: { tag: string }[] };
  const last = journal.entries.findIndex((entry) => entry.tag === lastTag);
  expect(last, `${lastTag} in the journal`).toBeGreaterThan(-1);
  journal.entries = journal.entries.slice(0, last + 1);
  await writeFile(journalPath, JSON.stringify(journal));
  return folder;
}

describe("migration 0002: webhook settings and the user's burst", () => {
  it("upgrades a database at 0001 keeping every row on today's behaviour, then enforces the new CHECKs", async () => {
    const atOne = await migrationsUpTo("0001_rate_limit_positive");
    const sql = postgres(scratchUrl, { max: 1, onnotice: () => {} });
    try {
      await runMigrations({ url: scratchUrl, migrationsFolder: atOne, createDatabase: true });
      const [user] = await sql<{ id: string }[]>`
        insert into users (email, rate_limit_per_second) values ('old@example.test', 7) returning id`;
      const [account] = await sql<{ id: string }[]>`
        insert into broker_accounts (user_id, name) values (${user!.id}, 'paper') returning id`;
      const [webhook] = await sql<{ id: string }[]>`
        insert into webhooks (user_id, account_id, name, token_hash, token_prefix)
        values (${user!.id}, ${account!.id}, 'old', ${randomBytes(32).toString("hex")}, 'oh_old') returning id`;

      const upgraded = await runMigrations({ url: scratchUrl, migrationsFolder: findMigrationsFolder() });
      expect(upgraded.applied, JSON.stringify(upgraded)).toBeGreaterThanOrEqual(1);

      // Null everywhere: the receiver's defaults, exactly as before the upgrade.
      const [oldUser] =
        await sql`select rate_limit_per_second, rate_limit_burst from users where id = ${user!.id}`;
      expect(oldUser).toEqual({ rate_limit_per_second: 7, rate_limit_burst: null });
      const [oldWebhook] = await sql`
        select default_quantity, dedup_window_ms, max_lag_seconds from webhooks where id = ${webhook!.id}`;
      expect(oldWebhook).toEqual({ default_quantity: null, dedup_window_ms: null, max_lag_seconds: null });

      // Exact decimals in, the same text out; the bounds of each setting enforced by Postgres.
      await sql`update webhooks set default_quantity = '0.123456789012345678', dedup_window_ms = 0,
        max_lag_seconds = 86400 where id = ${webhook!.id}`;
      const [set] = await sql`
        select default_quantity, dedup_window_ms, max_lag_seconds from webhooks where id = ${webhook!.id}`;
      expect(set).toEqual({
        default_quantity: "0.123456789012345678",
        dedup_window_ms: 0,
        max_lag_seconds: 86400,
      });
      const refused: [string, postgres.PendingQuery<postgres.Row[]>][] = [
        [
          "users_rate_limit_burst_positive",
          sql`update users set rate_limit_burst = 0 where id = ${user!.id}`,
        ],
        [
          "webhooks_default_quantity_positive",
          sql`update webhooks set default_quantity = 0 where id = ${webhook!.id}`,
        ],
        [
          "webhooks_dedup_window_ms_range",
          sql`update webhooks set dedup_window_ms = -1 where id = ${webhook!.id}`,
        ],
        [
          "webhooks_dedup_window_ms_range",
          sql`update webhooks set dedup_window_ms = 3600001 where id = ${webhook!.id}`,
        ],
        [
          "webhooks_max_lag_seconds_range",
          sql`update webhooks set max_lag_seconds = 0 where id = ${webhook!.id}`,
        ],
      ];
      for (const [constraint, query] of refused) {
        await expect(query, constraint).rejects.toMatchObject({
          code: CHECK_VIOLATION,
          constraint_name: constraint,
        });
      }
      await sql`update users set rate_limit_burst = 20 where id = ${user!.id}`;
    } finally {
      await sql.end();
      await rm(atOne, { recursive: true, force: true });
    }
  });
});
