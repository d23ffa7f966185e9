import { fileURLToPath } from "node:url";
import { AppProcess, freePort } from "@orderhook/testing";
import { phaseResult, type TargetResults } from "../bench-results";
import { healthy } from "../targets/healthy";
import { KEEP_LINES } from "../targets/orderhook-apps";
import type { BenchContext } from "./bench-context";
import { runLoadPhases } from "./load-phases";

const FLOOR_SERVER = fileURLToPath(new URL("../targets/floor-server.ts", import.meta.url));

export async function benchFloor(ctx: BenchContext): Promise<TargetResults> {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const server = await AppProcess.start({
    entry: FLOOR_SERVER,
    env: { PORT: String(port) },
    readyWhen: () => healthy(origin),
    maxLines: KEEP_LINES,
  });
  try {
    const target = { origin, paths: ["/v1/webhooks/floor"], tag: `floor-${ctx.options.runId}` };
    const { open, closed } = await runLoadPhases(
      ctx,
      "floor",
      target,
      {
        openConnections: ctx.options.openConnections,
        closedConnections: ctx.options.connections,
      },
      { floor: server.pid },
    );
    return { open: open.map((r) => phaseResult(r, null)), closed: phaseResult(closed, null) };
  } finally {
    await server.stop();
  }
}
