import { type CpuProcesses, cpuMsOf } from "./process-cpu";

export interface CpuWindow {
  /** CPU time (ms) each process has used since the window opened; read as often as needed. */
  read(): Record<string, number>;
}

/**
 * Opens a window on the processes' CPU time (user + system, from /proc) that can be read at
 * several instants, e.g. at a burst's last ack and again at its last row. A process found only
 * later (a worker started during the window) counts from zero.
 */
export function openCpuWindow(processes: CpuProcesses): CpuWindow {
  const start = new Map(Object.entries(processes).map(([name, source]) => [name, cpuMsOf(source)]));
  return {
    read() {
      const spent: Record<string, number> = {};
      for (const [name, source] of Object.entries(processes)) {
        const end = cpuMsOf(source);
        if (end !== null) spent[name] = end - (start.get(name) ?? 0);
      }
      return spent;
    },
  };
}

/** CPU ms per process → µs per item (e.g. per ack); empty when there were no items. */
export function cpuUsPer(spentMs: Record<string, number>, items: number): Record<string, number> {
  if (items <= 0) return {};
  return Object.fromEntries(
    Object.entries(spentMs).map(([name, ms]) => [name, Math.round((ms * 1000) / items)]),
  );
}
