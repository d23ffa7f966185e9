import { findMigrationsFolder, runMigrations } from "@orderhook/db";
import type { Command } from "commander";
import type { CliContext } from "../cli-context";
import { formatFields } from "../output";

export function registerDbCommand(program: Command, ctx: CliContext): void {
  const db = program.command("db").description("database maintenance");
  db.command("migrate")
    .description(
      "create the database if missing and apply pending migrations (safe to run twice or in parallel)",
    )
    .option("--json", "print JSON")
    .action(async () => {
      const migrationsFolder = ctx.env.MIGRATIONS_DIR ?? findMigrationsFolder();
      const result = await runMigrations({ url: ctx.env.DATABASE_URL, migrationsFolder });
      ctx.print({ ...result, migrationsFolder }, () =>
        formatFields([
          ["database", result.databaseCreated ? "created" : "exists"],
          ["applied", `${result.applied} migration(s)`],
          ["total", `${result.total} migration(s)`],
          ["from", migrationsFolder],
        ]),
      );
    });
}
