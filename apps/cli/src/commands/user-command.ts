import { broadcastWebhookChange, createUser, updateUser } from "@orderhook/admin";
import type { User } from "@orderhook/db";
import type { Command } from "commander";
import { CLEAR, type CLEARED, clearable, cleared } from "../clearable";
import type { CliContext } from "../cli-context";
import { formatFields } from "../output";
import { parseInteger } from "../parse-integer";
import { rateLimitFields } from "../settings-fields";

const RATE_HELP =
  "alerts per second for this user, sustained (default: the receiver's RATE_LIMIT_PER_SECOND)";
const BURST_HELP =
  "alerts this user may send at the same moment, e.g. every alert of a bar close; the allowance " +
  "refills at the rate (default: one second's worth, i.e. the rate)";

function userFields(user: User): [string, string | null][] {
  return [["user", user.id], ["email", user.email], ["name", user.name], ...rateLimitFields(user)];
}

export function registerUserCommand(program: Command, ctx: CliContext): void {
  const user = program.command("user").description("manage users");
  user
    .command("create")
    .description("create a user")
    .requiredOption("--email <email>", "the user's email (unique)")
    .option("--name <name>", "display name")
    .option("--rate-limit <n>", RATE_HELP, parseInteger)
    .option("--burst <n>", BURST_HELP, parseInteger)
    .option("--json", "print JSON")
    .action(async (options: { email: string; name?: string; rateLimit?: number; burst?: number }) => {
      const created = await createUser(ctx.db, {
        email: options.email,
        name: options.name,
        rateLimitPerSecond: options.rateLimit,
        rateLimitBurst: options.burst,
      });
      ctx.print(created, () => formatFields(userFields(created)));
    });

  user
    .command("update")
    .description(
      `change a user's rate limit or burst (\`${CLEAR}\`: back to the default); receivers apply it at once`,
    )
    .argument("<email>", "the user's email")
    .option("--rate-limit <n>", `${RATE_HELP}; ${CLEAR} for the default`, clearable(parseInteger))
    .option("--burst <n>", `${BURST_HELP}; ${CLEAR} for the default`, clearable(parseInteger))
    .option("--json", "print JSON")
    .action(
      async (
        email: string,
        options: { rateLimit?: number | typeof CLEARED; burst?: number | typeof CLEARED },
      ) => {
        const updated = await updateUser(ctx.db, email, {
          rateLimitPerSecond: cleared(options.rateLimit),
          rateLimitBurst: cleared(options.burst),
        });
        // Receivers cache the rate with each webhook's credentials: each of the user's webhooks is told.
        const result = await broadcastWebhookChange(
          ctx.env,
          ctx.env.QUEUE_PREFIX,
          updated.webhookIds.map((webhookId) => ({
            type: "updated" as const,
            webhookId,
            userId: updated.user.id,
            tokenHash: null,
          })),
        );
        if (!result.delivered) {
          ctx.warn(
            `the change is saved, but receivers could not be told at once (${result.error}); ` +
              "they apply it when their cached credentials expire (CREDENTIAL_CACHE_TTL_MS, 5 s by default)",
          );
        }
        ctx.print({ ...updated.user, broadcast: result }, () => formatFields(userFields(updated.user)));
      },
    );
}
