import { randomBytes } from "node:crypto";
import postgres from "postgres";
import { testDatabaseUrl } from "./context";

export interface ScratchDatabase {
  /** URL of a database that does not exist yet, named after the run's database. */
  url: string;
  /** Drops it (with force), whether or not it was ever created. */
  drop(): Promise<void>;
}

/** For tests of code that creates its own database, such as migrations. */
export function scratchDatabase(label = "s"): ScratchDatabase {
  const base = new URL(testDatabaseUrl());
  const name = `${base.pathname.slice(1)}_${label}${randomBytes(3).toString("hex")}`;
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const admin = new URL(base);
      admin.pathname = "/postgres";
      const sql = postgres(admin.toString(), { max: 1, onnotice: () => {} });
      try {
        await sql.unsafe(`drop database if exists "${name}" with (force)`);
      } finally {
        await sql.end({ timeout: 5 });
      }
    },
  };
}
