import { ConfigError } from "@orderhook/config";
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
      const env = ctx.env;
      const transaction = env.DATABASE_POOL_MODE === "transaction";
      if (transaction && env.MIGRATION_DATABASE_URL === undefined) {
        // The run holds a session-level advisory lock, which a transaction pooler would lose.
        throw new ConfigError([
          {
            variable: "MIGRATION_DATABASE_URL",
            message:
              "required with DATABASE_POOL_MODE=transaction: a direct (session) connection for migrations",
          },
        ]);
      }
      const migrationsFolder = env.MIGRATIONS_DIR ?? findMigrationsFolder();
      const result = await runMigrations({
        url: env.MIGRATION_DATABASE_URL ?? env.DATABASE_URL,
        migrationsFolder,
        // Behind a transaction pooler no client can send statement_timeout: the database holds it.
        databaseStatementTimeoutMs: transaction ? env.DB_STATEMENT_TIMEOUT_MS : undefined,
      });
      ctx.print({ ...result, migrationsFolder }, () =>
        formatFields([
          ["database", result.databaseCreated ? "created" : "exists"],
          ["applied", `${result.applied} migration(s)`],
          ["total", `${result.total} migration(s)`],
          ...(result.statementTimeoutMs === null
            ? []
            : [
                ["statement_timeout", `${result.statementTimeoutMs} ms (database default)`] as [
                  string,
                  string,
                ],
              ]),
          ["from", migrationsFolder],
        ]),
      );
    });
}
