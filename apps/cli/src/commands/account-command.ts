import { createAccount, listAccounts } from "@orderhook/admin";
import type { Command } from "commander";
import type { CliContext } from "../cli-context";
import { formatFields, formatTable } from "../output";

export function registerAccountCommand(program: Command, ctx: CliContext): void {
  const account = program.command("account").description("manage broker accounts");
  account
    .command("create")
    .description("create a broker account for a user")
    .requiredOption("--user <email>", "owner's email")
    .requiredOption("--name <name>", "account name (unique per user)")
    .option("--broker <broker>", "broker", "paper")
    .option("--json", "print JSON")
    .action(async (options: { user: string; name: string; broker: string }) => {
      const created = await createAccount(ctx.db, {
        userEmail: options.user,
        name: options.name,
        broker: options.broker,
      });
      ctx.print(created, () =>
        formatFields([
          ["account", created.id],
          ["name", created.name],
          ["broker", created.broker],
          ["user", created.userId],
          ["next", `pnpm orderhook webhook create --account ${created.id}`],
        ]),
      );
    });

  account
    .command("list")
    .description("a user's broker accounts")
    .requiredOption("--user <email>", "owner's email")
    .option("--json", "print JSON")
    .action(async (options: { user: string }) => {
      const accounts = await listAccounts(ctx.db, options.user);
      ctx.print({ accounts }, () =>
        formatTable(
          accounts,
          [
            ["ACCOUNT", (a) => a.id],
            ["NAME", (a) => a.name],
            ["BROKER", (a) => a.broker],
            ["ACTIVE", (a) => a.active],
            ["CREATED", (a) => a.createdAt],
          ],
          "no accounts",
        ),
      );
    });
}
