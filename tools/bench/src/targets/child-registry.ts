import type { ChildProcess } from "node:child_process";

const children = new Set<ChildProcess>();
const cleanups = new Set<() => Promise<void>>();
let hooked = false;

/** Registers a child so it is killed when the bench exits, is interrupted or crashes: no run leaves servers behind. */
export function trackChild(child: ChildProcess): void {
  children.add(child);
  child.once("exit", () => children.delete(child));
  hook();
}

/** Runs `cleanup` (bounded) if the run is interrupted; call the returned function once it is no longer needed. */
export function onInterrupt(cleanup: () => Promise<void>): () => void {
  cleanups.add(cleanup);
  hook();
  return () => cleanups.delete(cleanup);
}

function hook(): void {
  if (hooked) return;
  hooked = true;
  process.once("exit", killAll);
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(signal, () => {
      killAll();
      const pending = [...cleanups].map((cleanup) => cleanup().catch(() => {}));
      const deadline = new Promise((resolve) => setTimeout(resolve, 10_000).unref());
      void Promise.race([Promise.all(pending), deadline]).then(() => process.exit(130));
    });
  }
}

function killAll(): void {
  for (const child of children) child.kill("SIGKILL");
}
