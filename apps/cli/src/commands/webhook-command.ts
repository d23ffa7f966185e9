import {
  type BroadcastResult,
  broadcastWebhookChange,
  createWebhook,
  DEDUP_WINDOW_MAX_MS,
  getWebhook,
  listWebhooks,
  MAX_LAG_MAX_SECONDS,
  revokeWebhook,
  rotateWebhook,
  updateWebhookSettings,
  type WebhookSettingsInput,
  webhookUrl,
} from "@orderhook/admin";
import type { Webhook } from "@orderhook/db";
import type { WebhookEvent } from "@orderhook/queue";
import type { Command } from "commander";
import { CLEAR, type CLEARED, clearable, cleared } from "../clearable";
import type { CliContext } from "../cli-context";
import { formatFields, formatTable } from "../output";
import { parseInteger } from "../parse-integer";
import { rateLimitFields, settingsFields } from "../settings-fields";
import { registerWebhookLogCommand } from "./webhook-log-command";

const SHOWN_ONCE = "Shown only now: orderhook keeps a hash, not the token.";

const SETTINGS_HELP = {
  defaultQuantity:
    "quantity of a buy or sell alert that has none, a decimal above 0 (default: none, such alerts are refused with 422)",
  dedupWindowMs: `alerts without an idempotency key and with the same body are one order within this many ms, 0 to ${DEDUP_WINDOW_MAX_MS}; 0 turns it off (default: the receiver's DEDUP_WINDOW_MS, 1000)`,
  maxLagSeconds: `refuse alerts whose time (or alertTime) is older than this many seconds, 1 to ${MAX_LAG_MAX_SECONDS}; an alert's own maxLagSeconds wins (default: none)`,
};

const CACHE_EXPIRY =
  "they apply it when their cached credentials expire (CREDENTIAL_CACHE_TTL_MS, 5 s by default)";
const TOKEN_CHANGE =
  "they stop accepting old credentials when their cache expires (CREDENTIAL_CACHE_TTL_MS, 5 s by default) " +
  "and accept a new token after their next reconciliation (CREDENTIAL_RECONCILE_INTERVAL_MS, 60 s by default)";

function describe(webhook: Webhook) {
  return {
    id: webhook.id,
    name: webhook.name,
    userId: webhook.userId,
    accountId: webhook.accountId,
    tokenPrefix: webhook.tokenPrefix,
    signed: webhook.signingSecret !== null,
    active: webhook.active,
    defaultQuantity: webhook.defaultQuantity,
    dedupWindowMs: webhook.dedupWindowMs,
    maxLagSeconds: webhook.maxLagSeconds,
    createdAt: webhook.createdAt,
    rotatedAt: webhook.rotatedAt,
    revokedAt: webhook.revokedAt,
  };
}

async function broadcast(
  ctx: CliContext,
  event: WebhookEvent,
  untilThen = event.type === "updated" ? CACHE_EXPIRY : TOKEN_CHANGE,
): Promise<BroadcastResult> {
  const result = await broadcastWebhookChange(ctx.env, ctx.env.QUEUE_PREFIX, event);
  if (!result.delivered) {
    ctx.warn(`the change is saved, but receivers could not be told at once (${result.error}); ${untilThen}`);
  }
  return result;
}

type SettingsOptions = {
  defaultQuantity?: string | typeof CLEARED;
  dedupWindowMs?: number | typeof CLEARED;
  maxLagSeconds?: number | typeof CLEARED;
};

function settingsInput(options: SettingsOptions): WebhookSettingsInput {
  return {
    defaultQuantity: cleared(options.defaultQuantity),
    dedupWindowMs: cleared(options.dedupWindowMs),
    maxLagSeconds: cleared(options.maxLagSeconds),
  };
}

export function registerWebhookCommand(program: Command, ctx: CliContext): void {
  const webhook = program.command("webhook").description("manage webhooks (the URLs senders post alerts to)");

  webhook
    .command("create")
    .description("create a webhook for a broker account; prints its token and URL once")
    .requiredOption("--account <id>", "broker account id")
    .option("--name <name>", "webhook name", "default")
    .option("--signing-secret", "also require Standard Webhooks signatures; prints the secret once")
    .option("--default-quantity <decimal>", SETTINGS_HELP.defaultQuantity)
    .option("--dedup-window-ms <n>", SETTINGS_HELP.dedupWindowMs, parseInteger)
    .option("--max-lag-seconds <n>", SETTINGS_HELP.maxLagSeconds, parseInteger)
    .option("--json", "print JSON")
    .action(async (options: { account: string; name: string; signingSecret?: boolean } & SettingsOptions) => {
      const issued = await createWebhook(ctx.db, {
        accountId: options.account,
        name: options.name,
        signingSecret: options.signingSecret === true,
        ...settingsInput(options),
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
    .command("show")
    .description(
      "a webhook's state and alert settings, with its owner's rate limit (never its token or secret)",
    )
    .argument("<id>", "webhook id")
    .option("--json", "print JSON")
    .action(async (id: string) => {
      const shown = await getWebhook(ctx.db, id);
      ctx.print(
        {
          ...describe(shown),
          userEmail: shown.userEmail,
          accountName: shown.accountName,
          rateLimitPerSecond: shown.rateLimitPerSecond,
          rateLimitBurst: shown.rateLimitBurst,
        },
        () =>
          formatFields([
            ["webhook", shown.id],
            ["name", shown.name],
            ["user", shown.userEmail],
            ["account", `${shown.accountName} (${shown.accountId})`],
            ["token", `${shown.tokenPrefix}…`],
            ["signed", shown.signingSecret !== null],
            ["state", shown.active ? "active" : `revoked ${shown.revokedAt?.toISOString() ?? ""}`.trim()],
            ...settingsFields(shown),
            ...rateLimitFields(shown),
          ]),
      );
    });

  webhook
    .command("update")
    .description(
      `change a webhook's alert settings (\`${CLEAR}\`: back to the default); running receivers apply them at once`,
    )
    .argument("<id>", "webhook id")
    .option(
      "--default-quantity <decimal>",
      `${SETTINGS_HELP.defaultQuantity}; ${CLEAR} to remove it`,
      clearable(String),
    )
    .option(
      "--dedup-window-ms <n>",
      `${SETTINGS_HELP.dedupWindowMs}; ${CLEAR} for the default`,
      clearable(parseInteger),
    )
    .option(
      "--max-lag-seconds <n>",
      `${SETTINGS_HELP.maxLagSeconds}; ${CLEAR} to remove it`,
      clearable(parseInteger),
    )
    .option("--json", "print JSON")
    .action(async (id: string, options: SettingsOptions) => {
      const updated = await updateWebhookSettings(ctx.db, id, settingsInput(options));
      // Receivers hold the settings with the cached credentials: this makes them read them anew now.
      const result = await broadcast(ctx, {
        type: "updated",
        webhookId: updated.id,
        userId: updated.userId,
        tokenHash: null,
      });
      ctx.print({ ...describe(updated), broadcast: result }, () =>
        formatFields([["webhook", updated.id], ...settingsFields(updated)]),
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

  registerWebhookLogCommand(webhook, ctx);
}
