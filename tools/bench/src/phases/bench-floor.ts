import { phaseResult, type TargetResults } from "../bench-results";
import { startFloor } from "../targets/floor-process";
import type { BenchContext } from "./bench-context";
import { runLoadPhases } from "./load-phases";

export async function benchFloor(ctx: BenchContext): Promise<TargetResults> {
  const { server, origin } = await startFloor();
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
