import { getWebhook } from "@orderhook/admin";
import {
  createDeliveryReader,
  type Delivery,
  type DeliveryReader,
  latestPositions,
  readNewDeliveries,
  type StreamPositions,
} from "@orderhook/deliveries";
import { OrderhookError } from "@orderhook/errors";
import { duplicateClient, type RedisClient } from "@orderhook/queue";
import type { Command } from "commander";
import type { CliContext } from "../cli-context";
import { formatTable } from "../output";
import { parseInteger } from "../parse-integer";

const MAX_LIMIT = 200;
/** How long one XREAD waits before the loop looks at the stop signal again. */
const FOLLOW_BLOCK_MS = 5_000;

function errorsText(delivery: Delivery): string {
  return delivery.errors.map((error) => `${error.field}: ${error.message}`).join("; ");
}

function orderText(delivery: Delivery): string {
  if (delivery.orderId === null) return "-";
  return `${delivery.orderId} ${delivery.orderStatus ?? ""}${delivery.orderReason ? ` (${delivery.orderReason})` : ""}`.trim();
}

/** One line per delivery, for --follow: time, status, outcome, order, errors, ack, client. */
function line(delivery: Delivery): string {
  const errors = errorsText(delivery);
  return [
    delivery.receivedAt,
    String(delivery.httpStatus),
    delivery.outcome,
    orderText(delivery),
    ...(errors ? [errors] : []),
    `${delivery.ackMs} ms`,
    delivery.clientIp,
  ].join("  ");
}

function table(deliveries: Delivery[]): string {
  return formatTable(
    deliveries,
    [
      ["RECEIVED", (d) => d.receivedAt],
      ["STATUS", (d) => d.httpStatus],
      ["OUTCOME", (d) => d.outcome],
      ["ORDER", (d) => orderText(d)],
      ["ERRORS", (d) => errorsText(d) || null],
      ["ACK MS", (d) => d.ackMs],
      ["CLIENT", (d) => d.clientIp],
    ],
    "no deliveries",
  );
}

async function follow(
  ctx: CliContext,
  reader: DeliveryReader,
  redis: RedisClient,
  webhook: { id: string; userId: string },
  positions: StreamPositions,
  /** Already printed with the first page. */
  printed: Set<string>,
  signal: AbortSignal,
): Promise<void> {
  const streams = (await reader.streams(webhook.userId, webhook.id)) ?? [];
  // XREAD BLOCK holds its connection: a connection of its own, closed to end the wait at once.
  // The command's connection gives up on a command after 2 s; this one waits FOLLOW_BLOCK_MS.
  const blocking = duplicateClient(redis, { commandTimeout: FOLLOW_BLOCK_MS + 2_000 });
  blocking.on("error", () => {});
  await blocking.connect();
  const stop = () => blocking.disconnect();
  signal.addEventListener("abort", stop, { once: true });
  try {
    while (!signal.aborted) {
      let found: Awaited<ReturnType<typeof readNewDeliveries>>;
      try {
        found = await readNewDeliveries(blocking, streams, positions, { blockMs: FOLLOW_BLOCK_MS });
      } catch (error) {
        if (signal.aborted) break;
        throw error;
      }
      for (const delivery of await reader.join(webhook.userId, found)) {
        if (!printed.delete(delivery.id)) ctx.printLine(delivery, () => line(delivery));
      }
    }
  } finally {
    signal.removeEventListener("abort", stop);
    blocking.disconnect();
  }
}

/** `webhook log ID`: the webhook's deliveries log, as GET /v1/deliveries?webhook=ID reads it. */
export function registerWebhookLogCommand(webhook: Command, ctx: CliContext): void {
  webhook
    .command("log")
    .description(
      "the webhook's recent deliveries: every request, its answer, field errors and the order's status now",
    )
    .argument("<id>", "webhook id")
    .option("--limit <n>", `how many of the newest, 1 to ${MAX_LIMIT}`, parseInteger, 20)
    .option(
      "--follow",
      "then print new deliveries as they arrive, like tail -f (as JSON: one object a line), until Ctrl-C",
    )
    .option("--json", "print JSON (the page as GET /v1/deliveries answers it)")
    .action(async (id: string, options: { limit: number; follow?: boolean }) => {
      if (options.limit < 1 || options.limit > MAX_LIMIT) {
        throw new OrderhookError("invalid_argument", { detail: `--limit must be 1 to ${MAX_LIMIT}` });
      }
      // Ctrl-C ends --follow cleanly from the start, never killing the process mid-way.
      const signal = options.follow ? ctx.interruption() : undefined;
      const shown = await getWebhook(ctx.db, id);
      const redis = await ctx.redisConnection();
      const reader = createDeliveryReader({
        redis,
        db: ctx.db,
        prefix: ctx.shards,
        maxAgeMs: ctx.env.DELIVERY_LOG_MAX_AGE_SECONDS * 1000,
      });
      const streams = (await reader.streams(shown.userId, shown.id)) ?? [];
      // Taken before the page is read, so an entry arriving in between is not missed (nor printed twice).
      const positions = options.follow ? await latestPositions(redis, streams) : new Map();
      const page = (await reader.recent(shown.userId, { webhookId: shown.id, limit: options.limit })) ?? {
        deliveries: [],
        nextCursor: null,
      };
      if (signal === undefined) {
        // Oldest first on a terminal, as tail prints; newest first in JSON, as the API answers.
        ctx.print(page, () => table([...page.deliveries].reverse()));
        return;
      }
      const seen = new Set(page.deliveries.map((delivery) => delivery.id));
      for (const delivery of [...page.deliveries].reverse()) ctx.printLine(delivery, () => line(delivery));
      await follow(ctx, reader, redis, { id: shown.id, userId: shown.userId }, positions, seen, signal);
    });
}
