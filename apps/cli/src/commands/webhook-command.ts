import {
  type BroadcastResult,
  broadcastWebhookChange,
  createWebhook,
  listWebhooks,
  revokeWebhook,
  rotateWebhook,
  webhookUrl,
} from "@orderhook/admin";
import type { Webhook } from "@orderhook/db";
import type { WebhookEvent } from "@orderhook/queue";
import type { Command } from "commander";
import type { CliContext } from "../cli-context";
import { formatFields, formatTable } from "../output";

const SHOWN_ONCE = "Shown only now: orderhook keeps a hash, not the token.";

function describe(webhook: Webhook) {
  return {
    id: webhook.id,
    name: webhook.name,
    userId: webhook.userId,
    accountId: webhook.accountId,
    tokenPrefix: webhook.tokenPrefix,
    signed: webhook.signingSecret !== null,
    active: webhook.active,
    createdAt: webhook.createdAt,
    rotatedAt: webhook.rotatedAt,
    revokedAt: webhook.revokedAt,
  };
}

async function broadcast(ctx: CliContext, event: WebhookEvent): Promise<BroadcastResult> {
  const result = await broadcastWebhookChange(ctx.env.REDIS_URL, ctx.env.QUEUE_PREFIX, event);
  if (!result.delivered) {
    ctx.warn(
      `the change is saved, but receivers could not be told at once (${result.error}); ` +
        "they stop accepting old credentials when their cache expires (CREDENTIAL_CACHE_TTL_MS, 5 s by default) " +
        "and accept a new token after their next reconciliation (CREDENTIAL_RECONCILE_INTERVAL_MS, 60 s by default)",
    );
  }
  return result;
}

export function registerWebhookCommand(program: Command, ctx: CliContext): void {
  const webhook = program.command("webhook").description("manage webhooks (the URLs senders post alerts to)");

  webhook
    .command("create")
    .description("create a webhook for a broker account; prints its token and URL once")
    .requiredOption("--account <id>", "broker account id")
    .option("--name <name>", "webhook name", "default")
    .option("--signing-secret", "also require Standard Webhooks signatures; prints the secret once")
    .option("--json", "print JSON")
    .action(async (options: { account: string; name: string; signingSecret?: boolean }) => {
      const issued = await createWebhook(ctx.db, {
        accountId: options.account,
        name: options.name,
        signingSecret: options.signingSecret === true,
      });
      // Receivers accept only tokens they know: this tells running ones about the new token now.
      const result = await broadcast(ctx, {
        type: "created",
        webhookId: issued.webhook.id,
        userId: issued.webhook.userId,
        tokenHash: null,
      });
      const url = webhookUrl(issued.token, { publicUrl: ctx.env.PUBLIC_URL, port: ctx.env.PORT });
      ctx.print(
        {
          ...describe(issued.webhook),
          token: issued.token,
          url,
          signingSecret: issued.signingSecret,
          broadcast: result,
        },
        () =>
          formatFields([
            ["webhook", issued.webhook.id],
            ["account", issued.webhook.accountId],
            ["token", issued.token],
            ["url", url],
            ...(issued.signingSecret ? [["signing secret", issued.signingSecret] as [string, string]] : []),
            ["note", SHOWN_ONCE],
          ]),
      );
    });

  webhook
    .command("list")
    .description("webhooks newest first, with token prefixes (never tokens)")
    .option("--user <email>", "only this user's webhooks")
    .option("--json", "print JSON")
    .action(async (options: { user?: string }) => {
      const hooks = await listWebhooks(ctx.db, options.user);
      ctx.print({ webhooks: hooks }, () =>
        formatTable(
          hooks,
          [
            ["WEBHOOK", (w) => w.id],
            ["NAME", (w) => w.name],
            ["USER", (w) => w.userEmail],
            ["ACCOUNT", (w) => w.accountName],
            ["TOKEN", (w) => `${w.tokenPrefix}…`],
            ["SIGNED", (w) => w.signed],
            ["STATE", (w) => (w.active ? "active" : "revoked")],
            ["CREATED", (w) => w.createdAt],
          ],
          "no webhooks",
        ),
      );
    });

  webhook
    .command("rotate")
    .description("issue a new token; the old one stops working at once")
    .argument("<id>", "webhook id")
    .option("--json", "print JSON")
    .action(async (id: string) => {
      const rotated = await rotateWebhook(ctx.db, id);
      const result = await broadcast(ctx, {
        type: "rotated",
        webhookId: rotated.webhook.id,
        userId: rotated.webhook.userId,
        tokenHash: rotated.previousTokenHash,
      });
      const url = webhookUrl(rotated.token, { publicUrl: ctx.env.PUBLIC_URL, port: ctx.env.PORT });
      ctx.print({ ...describe(rotated.webhook), token: rotated.token, url, broadcast: result }, () =>
        formatFields([
          ["webhook", rotated.webhook.id],
          ["token", rotated.token],
          ["url", url],
          ["note", `${SHOWN_ONCE} The previous token no longer works.`],
        ]),
      );
    });

  webhook
    .command("revoke")
    .description("disable a webhook for good; its token stops working at once")
    .argument("<id>", "webhook id")
    .option("--json", "print JSON")
    .action(async (id: string) => {
      const revoked = await revokeWebhook(ctx.db, id);
      const result = await broadcast(ctx, {
        type: "revoked",
        webhookId: revoked.webhook.id,
        userId: revoked.webhook.userId,
        tokenHash: revoked.webhook.tokenHash,
      });
      ctx.print(
        { ...describe(revoked.webhook), alreadyRevoked: revoked.alreadyRevoked, broadcast: result },
        () =>
          formatFields([
            ["webhook", revoked.webhook.id],
            ["revoked", revoked.webhook.revokedAt],
            ...(revoked.alreadyRevoked ? [["note", "it was already revoked"] as [string, string]] : []),
          ]),
      );
    });
}
