import { fileURLToPath } from "node:url";
import { AppProcess, freePort } from "@orderhook/testing";
import { type BaselineResults, phaseResult } from "../bench-results";
import { accountFor } from "../measure/accounting";
import { loadOrderRows } from "../measure/order-rows";
import { seedWebhooks, webhookPaths } from "../setup/seed-webhooks";
import { healthy } from "../targets/healthy";
import { KEEP_LINES } from "../targets/orderhook-apps";
import type { BenchContext } from "./bench-context";
import { runLoadPhases } from "./load-phases";

const BASELINE_SERVER = fileURLToPath(new URL("../targets/baseline-server.ts", import.meta.url));

export async function benchBaseline(ctx: BenchContext): Promise<BaselineResults> {
  const { options } = ctx;
  const seeded = await seedWebhooks(ctx.db, {
    users: options.users,
    rateLimitPerSecond: 1_000_000,
  });
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const server = await AppProcess.start({
    entry: BASELINE_SERVER,
    maxLines: KEEP_LINES,
    env: {
      PORT: String(port),
      DATABASE_URL: ctx.databaseUrl,
      REDIS_URL: options.redisUrl,
      KEY_PREFIX: options.queuePrefix,
      RATE_LIMIT_PER_SECOND: "1000000",
    },
    readyWhen: () => healthy(origin),
  });
  try {
    const target = { origin, paths: webhookPaths(seeded), tag: `baseline-${options.runId}` };
    const { open, closed } = await runLoadPhases(
      ctx,
      "baseline",
      target,
      {
        openConnections: options.baselineConnections,
        closedConnections: options.baselineConnections,
      },
      { baseline: server.pid },
    );
    const rows = await loadOrderRows(
      ctx.sql,
      seeded.map((s) => s.userId),
    );
    return {
      open: open.map((r) => phaseResult(r, null)),
      closed: phaseResult(closed, null),
      accounting: accountFor(
        [...open, closed].flatMap((r) => r.acks),
        rows,
      ),
    };
  } finally {
    await server.stop();
  }
}
