import { execFile } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);
/** Lowest real-time priority: above every ordinary (SCHED_OTHER) process, below the kernel's own threads. */
const PRIORITY = "1";
let warned = false;

/**
 * Runs `phase` with every thread of this process under SCHED_FIFO, then puts them back.
 * On a busy 2-core machine an ordinary thread that wakes to send can wait milliseconds for a
 * core behind the server it measures, and that wait lands in every latency figure; a real-time
 * thread preempts at once. The generator only wakes briefly per request, so it takes little from
 * the server. Best effort: without the privilege (not root, no RLIMIT_RTPRIO) or without chrt
 * (util-linux) the phase runs at normal priority and the send lag shows it.
 */
export async function withRealtimePriority<T>(phase: () => Promise<T>): Promise<T> {
  const raised = await chrt(["-a", "-f", "-p", PRIORITY, String(process.pid)]);
  if (!raised && !warned) {
    warned = true;
    console.error(
      "load generator: could not switch to real-time scheduling (chrt -f); send lag will include scheduler delays",
    );
  }
  try {
    return await phase();
  } finally {
    if (raised) await chrt(["-a", "-o", "-p", "0", String(process.pid)]);
  }
}

async function chrt(args: string[]): Promise<boolean> {
  try {
    await run("chrt", args, { timeout: 5_000 });
    return true;
  } catch {
    return false;
  }
}
