import type { LoadResult, LoadTarget } from "../load/load-spec";
import { type CpuProcesses, withCpuPerAnswer } from "../targets/process-cpu";
import type { BenchContext } from "./bench-context";

export interface LoadPhases {
  open: LoadResult[];
  closed: LoadResult;
}

/** The open loop at every configured rate, then the closed loop, against one target. */
export async function runLoadPhases(
  ctx: BenchContext,
  name: string,
  target: LoadTarget,
  caps: { openConnections: number; closedConnections: number },
  processes: CpuProcesses,
): Promise<LoadPhases> {
  const { options } = ctx;
  const open: LoadResult[] = [];
  for (const rate of options.rates) {
    ctx.log(`${name}: open loop ${rate} req/s for ${options.durationMs / 1000} s`);
    open.push(
      await runOpen(ctx, { ...target, tag: `${target.tag}-o${rate}` }, rate, caps.openConnections, processes),
    );
  }
  ctx.log(`${name}: closed loop, ${caps.closedConnections} connections`);
  const closed = await withCpuPerAnswer({ ...processes, ...ctx.services, generator: ctx.generator.pid }, () =>
    ctx.generator.run({
      kind: "closed",
      target: { ...target, tag: `${target.tag}-c` },
      connections: caps.closedConnections,
      warmupMs: options.closedWarmupMs,
      durationMs: options.closedDurationMs,
      drainTimeoutMs: options.drainTimeoutMs,
    }),
  );
  return { open, closed };
}

export function runOpen(
  ctx: BenchContext,
  target: LoadTarget,
  rate: number,
  maxConnections: number,
  processes: CpuProcesses,
): Promise<LoadResult> {
  return withCpuPerAnswer({ ...processes, ...ctx.services, generator: ctx.generator.pid }, () =>
    ctx.generator.run({
      kind: "open",
      target,
      rate,
      warmupMs: ctx.options.warmupMs,
      durationMs: ctx.options.durationMs,
      maxConnections,
      drainTimeoutMs: ctx.options.drainTimeoutMs,
    }),
  );
}
