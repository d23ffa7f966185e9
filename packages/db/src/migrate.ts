import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { drizzle } from "drizzle-orm/postgres-js";
import { migrate } from "drizzle-orm/postgres-js/migrator";
import type postgres from "postgres";
import { connectPostgres } from "./connect-postgres";

/** Arbitrary constant: every orderhook migrator takes this advisory lock, so runs never overlap. */
const MIGRATION_LOCK_ID = 7_260_118_301;

export interface MigrateOptions {
  url: string;
  migrationsFolder: string;
  /** Create the database named in `url` when it does not exist (needs CREATEDB on the server). */
  createDatabase?: boolean;
  /**
   * Also make this the database's default `statement_timeout` (ms; 0: none), for clients that
   * cannot send it at connect: those behind PgBouncer in transaction mode.
   */
  databaseStatementTimeoutMs?: number;
}

export interface MigrateResult {
  databaseCreated: boolean;
  applied: number;
  total: number;
  /** The database default set (`databaseStatementTimeoutMs`), or null when left alone. */
  statementTimeoutMs: number | null;
}

function databaseName(url: string): string {
  const name = decodeURIComponent(new URL(url).pathname.replace(/^\//, ""));
  if (!name) throw new Error("DATABASE_URL names no database");
  return name;
}

/** Creates the database named in `url` if missing; safe when two processes race. */
export async function ensureDatabase(url: string): Promise<boolean> {
  const name = databaseName(url);
  const admin = new URL(url);
  admin.pathname = "/postgres";
  const sql = connectPostgres(admin.toString(), { max: 1, applicationName: "orderhook-migrate" });
  try {
    const rows = await sql`select 1 from pg_database where datname = ${name}`;
    if (rows.length > 0) return false;
    try {
      await sql.unsafe(`create database "${name.replaceAll('"', '""')}"`);
      return true;
    } catch (error) {
      // 42P04 duplicate_database: another process created it first. 23505: same race, caught by the catalog index.
      const code = (error as { code?: string }).code;
      if (code === "42P04" || code === "23505") return false;
      throw error;
    }
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/**
 * Applies drizzle-kit's SQL migrations on a single connection under an advisory lock, so
 * running it twice, or from two processes at once, is safe.
 */
export async function runMigrations(options: MigrateOptions): Promise<MigrateResult> {
  const databaseCreated = options.createDatabase === false ? false : await ensureDatabase(options.url);
  const sql = connectPostgres(options.url, { max: 1, applicationName: "orderhook-migrate" });
  try {
    await sql`select pg_advisory_lock(${MIGRATION_LOCK_ID})`;
    try {
      const before = await countApplied(sql);
      await migrate(drizzle(sql), { migrationsFolder: options.migrationsFolder });
      const after = await countApplied(sql);
      const statementTimeoutMs = options.databaseStatementTimeoutMs ?? null;
      if (statementTimeoutMs !== null) await setDatabaseStatementTimeout(sql, statementTimeoutMs);
      return { databaseCreated, applied: after - before, total: after, statementTimeoutMs };
    } finally {
      await sql`select pg_advisory_unlock(${MIGRATION_LOCK_ID})`;
    }
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/**
 * Sets the current database's default `statement_timeout`. Postgres applies it when a server
 * connection starts, so it reaches every client, PgBouncer's pooled connections included; a
 * client's own startup parameter (session mode) still overrides it.
 */
export async function setDatabaseStatementTimeout(sql: postgres.Sql, timeoutMs: number): Promise<void> {
  const [row] = await sql<{ name: string }[]>`select current_database() as name`;
  const name = row!.name.replaceAll('"', '""');
  await sql.unsafe(`alter database "${name}" set statement_timeout = ${Math.trunc(timeoutMs)}`);
}

async function countApplied(sql: postgres.Sql): Promise<number> {
  const [exists] = await sql<{ ok: boolean }[]>`
    select to_regclass('drizzle.__drizzle_migrations') is not null as ok`;
  if (!exists?.ok) return 0;
  const [row] = await sql<{ n: number }[]>`select count(*)::int as n from drizzle.__drizzle_migrations`;
  return row?.n ?? 0;
}

/**
 * Finds the `drizzle/` folder: next to the running code in a container image, or at the
 * repository root in a checkout.
 */
export function findMigrationsFolder(from: string = dirname(fileURLToPath(import.meta.url))): string {
  let dir = resolve(from);
  for (;;) {
    const candidate = join(dir, "drizzle");
    if (existsSync(join(candidate, "meta", "_journal.json"))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no drizzle/meta/_journal.json above ${from}; set MIGRATIONS_DIR`);
    dir = parent;
  }
}
