import type { pino } from "pino";

type AsyncDestination = ReturnType<typeof pino.destination>;

/**
 * Exits with `code` once every log line has been written, in order. An asynchronous
 * destination may have a write in flight: `flushSync` would write the rest ahead of it (and
 * `process.exit` could cut it off), so the last lines — "stopped", the fatal start-up error —
 * would not come last. `end()` waits for that write, then writes the rest. If the output
 * cannot be drained (a reader that stopped reading), the remaining lines are written
 * synchronously after `timeoutMs` and the process exits anyway. Never resolves.
 */
export function exitAfterLogs(
  destination: AsyncDestination,
  code: number,
  timeoutMs = 2_000,
): Promise<never> {
  // Not unref'd: it also keeps the process alive until the logs are out.
  setTimeout(() => {
    try {
      destination.flushSync();
    } finally {
      process.exit(code);
    }
  }, timeoutMs);
  destination.once("close", () => process.exit(code));
  destination.end();
  return new Promise<never>(() => {});
}
