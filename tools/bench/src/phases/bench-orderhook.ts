import { type OrderhookResults, phaseResult } from "../bench-results";
import type { LoadResult } from "../load/load-spec";
import { accountFor, endToEndLatency } from "../measure/accounting";
import { installCommitNotify, listenForCommits, removeCommitNotify } from "../measure/commit-listener";
import { loadOrderRows, waitForOrders } from "../measure/order-rows";
import { seedWebhooks, webhookPaths } from "../setup/seed-webhooks";
import { type OrderhookEnv, orderhookEnv, startReceiver, startWorker } from "../targets/orderhook-apps";
import { type BenchContext, TARGET_RATE } from "./bench-context";
import { runLoadPhases, runOpen } from "./load-phases";

/**
 * Receiver alone (worker paused: acks only), then the worker drains the backlog, then the
 * open loop again with the worker consuming live.
 */
export async function benchOrderhook(ctx: BenchContext): Promise<OrderhookResults> {
  const { options } = ctx;
  const seeded = await seedWebhooks(ctx.db, {
    users: options.users,
    rateLimitPerSecond: 1_000_000,
  });
  const userIds = seeded.map((s) => s.userId);
  const env: OrderhookEnv = orderhookEnv(ctx);
  const receiver = await startReceiver(env, options.profileNodeArgs);
  let worker: Awaited<ReturnType<typeof startWorker>> | null = null;
  try {
    const target = {
      origin: receiver.origin,
      paths: webhookPaths(seeded),
      tag: `orderhook-${options.runId}`,
    };
    const { open, closed } = await runLoadPhases(
      ctx,
      "orderhook (worker paused)",
      target,
      {
        openConnections: options.openConnections,
        closedConnections: options.connections,
      },
      { receiver: receiver.pid },
    );
    const paused: LoadResult[] = [...open, closed];

    ctx.log("orderhook: worker drains the backlog");
    worker = await startWorker(env, options.profileNodeArgs);
    await waitForAcked(ctx, userIds, paused);

    await installCommitNotify(ctx.sql);
    const commits = await listenForCommits(ctx.sql);
    ctx.log(`orderhook: open loop ${TARGET_RATE} req/s, worker draining`);
    const live = await runOpen(
      ctx,
      { ...target, tag: `${target.tag}-live` },
      TARGET_RATE,
      options.openConnections,
      { receiver: receiver.pid, worker: worker.pid },
    );
    await waitForAcked(ctx, userIds, [...paused, live]);
    await commits.stop();
    ctx.log(`orderhook: ${commits.committedAt.size} commits announced by NOTIFY`);
    await removeCommitNotify(ctx.sql);
    const rows = await loadOrderRows(ctx.sql, userIds);
    const accounting = accountFor(
      [...paused, live].flatMap((r) => r.acks),
      rows,
    );
    const endToEnd = endToEndLatency(live.acks, rows, commits.committedAt);
    return {
      open: open.map((r) => phaseResult(r, "paused")),
      closed: phaseResult(closed, "paused"),
      openWithWorker: phaseResult(live, "draining"),
      endToEnd,
      accounting,
    };
  } finally {
    await worker?.stop();
    await receiver.stop();
  }
}

async function waitForAcked(ctx: BenchContext, userIds: string[], results: LoadResult[]): Promise<void> {
  const expected = results.reduce((n, r) => n + r.acks.length, 0);
  // Generous: on a loaded machine the backlog drains slowly; a stuck worker is caught by the stall check.
  await waitForOrders(ctx.sql, userIds, expected, { timeoutMs: 120_000, stallMs: 15_000 });
}
