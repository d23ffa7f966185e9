import { createUser } from "@orderhook/admin";
import type { Command } from "commander";
import type { CliContext } from "../cli-context";
import { formatFields } from "../output";
import { parseInteger } from "../parse-integer";

export function registerUserCommand(program: Command, ctx: CliContext): void {
  const user = program.command("user").description("manage users");
  user
    .command("create")
    .description("create a user")
    .requiredOption("--email <email>", "the user's email (unique)")
    .option("--name <name>", "display name")
    .option(
      "--rate-limit <n>",
      "alerts per second for this user (default: RATE_LIMIT_PER_SECOND)",
      parseInteger,
    )
    .option("--json", "print JSON")
    .action(async (options: { email: string; name?: string; rateLimit?: number }) => {
      const created = await createUser(ctx.db, {
        email: options.email,
        name: options.name,
        rateLimitPerSecond: options.rateLimit,
      });
      ctx.print(created, () =>
        formatFields([
          ["user", created.id],
          ["email", created.email],
          ["name", created.name],
          ["rate limit", created.rateLimitPerSecond ?? "receiver default (RATE_LIMIT_PER_SECOND)"],
        ]),
      );
    });
}
