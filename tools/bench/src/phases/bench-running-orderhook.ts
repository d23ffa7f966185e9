import { createDbClient } from "@orderhook/db";
import { type OrderhookResults, phaseResult } from "../bench-results";
import { accountFor, endToEndLatency } from "../measure/accounting";
import { loadOrderRows, waitForOrders } from "../measure/order-rows";
import { seedWebhooks, webhookPaths } from "../setup/seed-webhooks";
import { type BenchContext, TARGET_RATE } from "./bench-context";
import { runLoadPhases } from "./load-phases";

/**
 * orderhook as already deployed: a receiver at `receiverUrl` whose database is `databaseUrl`,
 * with its worker(s) running. Bench users are added to that database and removed afterwards
 * (their orders go with them).
 */
export async function benchRunningOrderhook(
  ctx: BenchContext,
  receiverUrl: string,
  databaseUrl: string,
): Promise<OrderhookResults> {
  const { options } = ctx;
  const client = createDbClient({ url: databaseUrl, max: 2, applicationName: "orderhook-bench" });
  const seeded = await seedWebhooks(client.db, {
    users: options.users,
    rateLimitPerSecond: 1_000_000,
  });
  const userIds = seeded.map((s) => s.userId);
  try {
    const target = {
      origin: new URL(receiverUrl).origin,
      paths: webhookPaths(seeded),
      tag: `orderhook-${options.runId}`,
    };
    const { open, closed } = await runLoadPhases(
      ctx,
      `orderhook at ${target.origin}`,
      target,
      {
        openConnections: options.openConnections,
        closedConnections: options.connections,
      },
      {},
    );
    const acks = [...open, closed].flatMap((r) => r.acks);
    ctx.log("orderhook: waiting for its worker to write every acknowledged order");
    await waitForOrders(client.sql, userIds, acks.length, { timeoutMs: 120_000, stallMs: 15_000 });
    const rows = await loadOrderRows(client.sql, userIds);
    const atTargetRate = open.find((r) => r.rate === TARGET_RATE);
    return {
      open: open.map((r) => phaseResult(r, "external")),
      closed: phaseResult(closed, "external"),
      openWithWorker: null,
      endToEnd: atTargetRate ? endToEndLatency(atTargetRate.acks, rows) : null,
      accounting: accountFor(acks, rows),
    };
  } finally {
    await client.sql`delete from users where id = any(${userIds}::uuid[])`;
    await client.close();
  }
}
