import { readdirSync, readFileSync } from "node:fs";
import type { Redis } from "ioredis";

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

/** A process id, or a group of processes looked up again at each reading (Postgres forks a backend per connection). */
export type CpuSource = number | (() => number[]) | undefined;
export type CpuProcesses = Record<string, CpuSource>;

export function cpuMsOf(source: CpuSource): number | null {
  if (typeof source !== "function") return processCpuMs(source);
  let total: number | null = null;
  for (const pid of source()) {
    const ms = processCpuMs(pid);
    if (ms !== null) total = (total ?? 0) + ms;
  }
  return total;
}

function commandOf(pid: number): string | null {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return null;
  }
}

/** Every local process whose command is `name`. */
function pidsNamed(name: string): number[] {
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return [];
  }
  return entries.filter((e) => /^\d+$/.test(e) && commandOf(Number(e)) === name).map(Number);
}

/**
 * Redis and Postgres as CPU sources when they run on this machine, so each phase can say which
 * process its CPU went to. Redis is found by the pid it reports (kept only if that pid is a
 * local redis-server), Postgres as every local `postgres` process (postmaster and backends).
 * Other work on the same servers is counted too: run the bench on a quiet machine.
 */
export async function localServices(redis: Redis): Promise<CpuProcesses> {
  const services: CpuProcesses = {};
  const pid = Number(/process_id:(\d+)/.exec(await redis.info("server"))?.[1]);
  if (Number.isInteger(pid) && commandOf(pid)?.startsWith("redis-server")) services.redis = pid;
  if (pidsNamed("postgres").length > 0) services.postgres = () => pidsNamed("postgres");
  return services;
}

/** CPU time per item of each process over `phase`, in µs (e.g. per order drained). */
export async function cpuPerItem(
  processes: CpuProcesses,
  phase: () => Promise<number>,
): Promise<Record<string, number>> {
  const before = Object.fromEntries(Object.entries(processes).map(([name, pid]) => [name, cpuMsOf(pid)]));
  const items = await phase();
  const perItem: Record<string, number> = {};
  for (const [name, source] of Object.entries(processes)) {
    const start = before[name];
    const end = cpuMsOf(source);
    if (start !== null && start !== undefined && end !== null && items > 0) {
      perItem[name] = Math.round(((end - start) * 1000) / items);
    }
  }
  return perItem;
}

/**
 * Runs `phase` and returns, beside its result, each process's CPU time per answer in µs:
 * less sensitive than latency to contention on a shared machine.
 */
export async function withCpuPerAnswer<T extends { outcomes: Record<string, number> }>(
  processes: CpuProcesses,
  phase: () => Promise<T>,
): Promise<T & { cpuUsPerAnswer: Record<string, number> }> {
  let result: T | undefined;
  const cpuUsPerAnswer = await cpuPerItem(processes, async () => {
    result = await phase();
    return Object.values(result.outcomes).reduce((a, b) => a + b, 0);
  });
  return { ...(result as T), cpuUsPerAnswer };
}
