import { Command, CommanderError } from "commander";
import { CliContext, type CliIo } from "./cli-context";
import { registerAccountCommand } from "./commands/account-command";
import { registerDbCommand } from "./commands/db-command";
import { registerDemoCommand } from "./commands/demo-command";
import { registerJobsCommand } from "./commands/jobs-command";
import { registerOrdersCommand } from "./commands/orders-command";
import { registerUserCommand } from "./commands/user-command";
import { registerWebhookCommand } from "./commands/webhook-command";
import { describeFailure } from "./describe-failure";

export type { CliIo } from "./cli-context";

export function buildProgram(ctx: CliContext, io: CliIo): Command {
  const program = new Command("orderhook")
    .description("orderhook admin: users, broker accounts, webhooks, orders and failed jobs")
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      // runCli prints errors itself, as one line (JSON with --json).
      outputError: () => {},
    })
    .showHelpAfterError(false);
  registerDbCommand(program, ctx);
  registerUserCommand(program, ctx);
  registerAccountCommand(program, ctx);
  registerWebhookCommand(program, ctx);
  registerOrdersCommand(program, ctx);
  registerJobsCommand(program, ctx);
  registerDemoCommand(program, ctx);
  return program;
}

/**
 * Runs one CLI invocation (`argv` without node and the script) and resolves to the exit
 * code. Every connection it opens is closed before it returns.
 */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const ctx = new CliContext(io, argv.includes("--json"));
  try {
    await buildProgram(ctx, io).parseAsync(argv, { from: "user" });
    return 0;
  } catch (error) {
    // Help and version output are reported by commander as "errors" with exit code 0.
    if (error instanceof CommanderError && (error.exitCode === 0 || error.code === "commander.help")) {
      return error.exitCode;
    }
    const failure = describeFailure(error);
    io.stderr.write(
      ctx.json
        ? `${JSON.stringify({ error: failure })}\n`
        : `orderhook: ${failure.code}: ${failure.message}\n`,
    );
    return 1;
  } finally {
    await ctx.close();
  }
}
