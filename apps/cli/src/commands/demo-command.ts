import {
  broadcastWebhookChange,
  curlExample,
  type DemoSetup,
  ensureDemo,
  webhookUrl,
} from "@orderhook/admin";
import type { Command } from "commander";
import type { CliContext } from "../cli-context";

export function registerDemoCommand(program: Command, ctx: CliContext): void {
  program
    .command("demo")
    .description(
      "ensure a demo user, paper account and webhook; prints a fresh token each run (the previous one stops working)",
    )
    .option(
      "--keep-token",
      "issue a token only if the demo webhook has none that works (new or revoked): a token printed earlier keeps working",
    )
    .option("--json", "print JSON")
    .action(async (options: { keepToken?: boolean }) => {
      const demo = await ensureDemo(ctx.db, { keepToken: options.keepToken === true });
      if (demo.token === null) {
        printKept(ctx, demo);
        return;
      }
      // Best effort: running receivers learn the new token now (else at their next reconciliation
      // with Postgres) and drop the old one (else within their cache TTL).
      await broadcastWebhookChange(ctx.env, ctx.env.QUEUE_PREFIX, {
        type: demo.previousTokenHash === null ? "created" : "rotated",
        webhookId: demo.webhook.id,
        userId: demo.user.id,
        tokenHash: demo.previousTokenHash,
      });
      const url = webhookUrl(demo.token, { publicUrl: ctx.env.PUBLIC_URL, port: ctx.env.PORT });
      const curl = curlExample(url);
      ctx.print({ token: demo.token, url, curl, ...ids(demo) }, () =>
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

function ids(demo: DemoSetup) {
  return {
    email: demo.user.email,
    userId: demo.user.id,
    accountId: demo.account.id,
    webhookId: demo.webhook.id,
  };
}

/** `--keep-token` found a working token: only its first characters are known (tokens are stored hashed). */
function printKept(ctx: CliContext, demo: DemoSetup): void {
  ctx.print(
    {
      token: null,
      url: null,
      curl: null,
      tokenKept: true,
      tokenPrefix: demo.webhook.tokenPrefix,
      ...ids(demo),
    },
    () =>
      [
        `Demo user ${demo.user.email}, paper account ${demo.account.id}, webhook ${demo.webhook.id}.`,
        `The demo token issued earlier (${demo.webhook.tokenPrefix}…) still works; \`pnpm orderhook demo\` issues a new one.`,
      ].join("\n"),
  );
}
