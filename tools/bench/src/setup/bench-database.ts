import { findMigrationsFolder, runMigrations } from "@orderhook/db";
import postgres from "postgres";

/** The URL of database `name` on the same server as `serverUrl`. */
export function databaseUrlFor(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Creates and migrates a database of the bench's own, so a run never touches anyone else's data. */
export async function createBenchDatabase(serverUrl: string, name: string): Promise<string> {
  const url = databaseUrlFor(serverUrl, name);
  await runMigrations({ url, migrationsFolder: findMigrationsFolder() });
  return url;
}

export async function dropBenchDatabase(serverUrl: string, name: string): Promise<void> {
  const admin = postgres(databaseUrlFor(serverUrl, "postgres"), { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`drop database if exists "${name.replaceAll('"', '""')}" with (force)`);
  } finally {
    await admin.end({ timeout: 5 });
  }
}
