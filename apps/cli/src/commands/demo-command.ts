import { broadcastWebhookChange, curlExample, ensureDemo, webhookUrl } from "@orderhook/admin";
import type { Command } from "commander";
import type { CliContext } from "../cli-context";

export function registerDemoCommand(program: Command, ctx: CliContext): void {
  program
    .command("demo")
    .description(
      "ensure a demo user, paper account and webhook; prints a fresh token each run (the previous one stops working)",
    )
    .option("--json", "print JSON")
    .action(async () => {
      const demo = await ensureDemo(ctx.db);
      // Best effort: running receivers learn the new token now (else at their next reconciliation
      // with Postgres) and drop the old one (else within their cache TTL).
      await broadcastWebhookChange(ctx.env.REDIS_URL, ctx.env.QUEUE_PREFIX, {
        type: demo.previousTokenHash === null ? "created" : "rotated",
        webhookId: demo.webhook.id,
        userId: demo.user.id,
        tokenHash: demo.previousTokenHash,
      });
      const url = webhookUrl(demo.token, { publicUrl: ctx.env.PUBLIC_URL, port: ctx.env.PORT });
      const curl = curlExample(url);
      ctx.print(
        {
          token: demo.token,
          url,
          curl,
          email: demo.user.email,
          userId: demo.user.id,
          accountId: demo.account.id,
          webhookId: demo.webhook.id,
        },
        () =>
          [
            `Demo user ${demo.user.email}, paper account ${demo.account.id}, webhook ${demo.webhook.id}.`,
            `token  ${demo.token}`,
            `url    ${url}`,
            "",
            "Send an alert:",
            curl,
            "",
            "Each `demo` run issues a new token; the previous one stops working.",
          ].join("\n"),
      );
    });
}
