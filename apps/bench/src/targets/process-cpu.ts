import { readFileSync } from "node:fs";

const CLOCK_TICKS_PER_SECOND = 100;

/** CPU time (user + system) a process has used so far, in ms, from /proc; null off Linux or once it has exited. */
export function processCpuMs(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the parenthesised command name, which may itself contain spaces.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

export type CpuProcesses = Record<string, number | undefined>;

/**
 * Runs `phase` and returns, beside its result, each process's CPU time per answer in µs:
 * less sensitive than latency to contention on a shared machine.
 */
export async function withCpuPerAnswer<T extends { outcomes: Record<string, number> }>(
  processes: CpuProcesses,
  phase: () => Promise<T>,
): Promise<T & { cpuUsPerAnswer: Record<string, number> }> {
  const before = Object.fromEntries(
    Object.entries(processes).map(([name, pid]) => [name, processCpuMs(pid)]),
  );
  const result = await phase();
  const answers = Object.values(result.outcomes).reduce((a, b) => a + b, 0);
  const cpuUsPerAnswer: Record<string, number> = {};
  for (const [name, pid] of Object.entries(processes)) {
    const start = before[name];
    const end = processCpuMs(pid);
    if (start !== null && start !== undefined && end !== null && answers > 0) {
      cpuUsPerAnswer[name] = Math.round(((end - start) * 1000) / answers);
    }
  }
  return { ...result, cpuUsPerAnswer };
}
