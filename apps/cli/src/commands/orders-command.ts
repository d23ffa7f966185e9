import { getOrder, listOrders } from "@orderhook/admin";
import type { Command } from "commander";
import type { CliContext } from "../cli-context";
import { formatFields, formatTable } from "../output";
import { parseInteger } from "../parse-integer";

export function registerOrdersCommand(program: Command, ctx: CliContext): void {
  const orders = program.command("orders").description("inspect orders");

  orders
    .command("list")
    .description("newest orders first")
    .option("--user <email>", "only this user's orders")
    .option("--limit <n>", "how many (1-1000)", parseInteger, 20)
    .option("--json", "print JSON")
    .action(async (options: { user?: string; limit: number }) => {
      const rows = await listOrders(ctx.db, { userEmail: options.user, limit: options.limit });
      ctx.print({ orders: rows }, () =>
        formatTable(
          rows,
          [
            ["ORDER", (o) => o.id],
            ["RECEIVED", (o) => o.receivedAt],
            ["USER", (o) => o.userEmail],
            ["TICKER", (o) => o.ticker],
            ["ACTION", (o) => o.action],
            ["QTY", (o) => o.quantity],
            ["TYPE", (o) => o.orderType],
            ["STATUS", (o) => o.status],
            ["REASON", (o) => o.reason],
          ],
          "no orders",
        ),
      );
    });

  orders
    .command("show")
    .description("one order in full, raw payload included")
    .argument("<id>", "order id")
    .option("--json", "print JSON")
    .action(async (id: string) => {
      const order = await getOrder(ctx.db, id);
      ctx.print(order, () =>
        formatFields([
          ["order", order.id],
          ["status", order.status],
          ["reason", order.reason],
          ["user", order.userEmail],
          ["account", order.accountId],
          ["webhook", order.webhookId],
          ["ticker", order.ticker],
          ["action", order.action],
          ["quantity", order.quantity],
          ["type", order.orderType],
          ["limit price", order.limitPrice],
          ["stop price", order.stopPrice],
          ["time in force", order.timeInForce],
          ["take profit", order.takeProfit === null ? null : JSON.stringify(order.takeProfit)],
          ["stop loss", order.stopLoss === null ? null : JSON.stringify(order.stopLoss)],
          ["signal price", order.signalPrice],
          ["sentiment", order.sentiment],
          ["idempotency key", order.idempotencyKey],
          ["comment", order.comment],
          ["alert time", order.alertTime],
          ["received", order.receivedAt],
          ["processed", order.processedAt],
          ["raw", JSON.stringify(order.rawPayload)],
        ]),
      );
    });
}
