import cluster, { type Worker } from "node:cluster";
import type { Logger } from "@orderhook/observability";
import { serveClusterMetrics } from "./cluster-metrics";

/** A child sends this once its public (and admin) listener is up. */
export const CHILD_READY = "orderhook:receiver-ready";

export interface SuperviseOptions {
  processes: number;
  /** The children's own drain budget (SHUTDOWN_TIMEOUT_MS); past it and a margin, SIGKILL. */
  shutdownTimeoutMs: number;
  logger: Logger;
  /** First restart delay after a crash; doubles per crash in a row, up to `maxRestartDelayMs`. */
  restartDelayMs?: number;
  maxRestartDelayMs?: number;
  /** A child up this long resets the doubling. */
  stableAfterMs?: number;
}

/**
 * The primary of `WEB_CONCURRENCY` receiver processes sharing one port (node:cluster hands
 * each new connection to the next child). It restarts a crashed child, after a delay that
 * doubles while crashes follow each other, forwards SIGTERM/SIGINT and resolves with the
 * exit code once every child is gone: 0 when all drained cleanly, 1 when one failed, or
 * when a child exits before any has ever started (bad configuration, a server down: a
 * restart would only fail again).
 */
export function superviseReceivers(options: SuperviseOptions): Promise<number> {
  const { processes, logger } = options;
  const baseDelay = options.restartDelayMs ?? 250;
  const maxDelay = options.maxRestartDelayMs ?? 15_000;
  const stableAfter = options.stableAfterMs ?? 30_000;
  serveClusterMetrics();

  let stopping = false;
  let anyReady = false;
  let failed = false;
  let crashesInARow = 0;
  const pendingRestarts = new Set<NodeJS.Timeout>();
  // Live children and when each started. Kept here, not read from cluster.workers, where an
  // exited child lingers until its IPC channel has also closed.
  const startedAt = new Map<Worker, number>();

  return new Promise<number>((resolve) => {
    const finishIfDone = () => {
      if (stopping && startedAt.size === 0 && pendingRestarts.size === 0) {
        resolve(failed ? 1 : 0);
      }
    };

    const fork = () => {
      const worker = cluster.fork();
      startedAt.set(worker, Date.now());
      worker.on("message", (message: { type?: string }) => {
        if (message?.type !== CHILD_READY) return;
        anyReady = true;
        logger.info({ pid: worker.process.pid }, "receiver process ready");
      });
    };

    const stop = (signal: NodeJS.Signals) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal, processes: startedAt.size }, "draining receiver processes");
      for (const timer of pendingRestarts) clearTimeout(timer);
      pendingRestarts.clear();
      for (const worker of startedAt.keys()) worker.process.kill("SIGTERM");
      // The children exit 1 themselves after SHUTDOWN_TIMEOUT_MS; this catches one that hangs.
      setTimeout(() => {
        for (const worker of startedAt.keys()) {
          failed = true;
          worker.process.kill("SIGKILL");
        }
      }, options.shutdownTimeoutMs + 5_000).unref();
      finishIfDone();
    };

    cluster.on("exit", (worker, code, signal) => {
      const upFor = Date.now() - (startedAt.get(worker) ?? Date.now());
      startedAt.delete(worker);
      const pid = worker.process.pid;
      if (stopping) {
        if (code !== 0) failed = true;
        logger.info({ pid, code, signal }, "receiver process stopped");
        finishIfDone();
        return;
      }
      if (!anyReady) {
        // None has ever served: the cause is shared (configuration, Redis or Postgres down).
        logger.fatal({ pid, code, signal }, "a receiver process failed to start; stopping the others");
        failed = true;
        stop("SIGTERM");
        return;
      }
      crashesInARow = upFor >= stableAfter ? 1 : crashesInARow + 1;
      const delay = Math.min(maxDelay, baseDelay * 2 ** (crashesInARow - 1));
      logger.error({ pid, code, signal, restartInMs: delay }, "receiver process exited; restarting it");
      const timer = setTimeout(() => {
        pendingRestarts.delete(timer);
        if (!stopping) fork();
      }, delay);
      pendingRestarts.add(timer);
    });

    process.once("SIGTERM", () => stop("SIGTERM"));
    process.once("SIGINT", () => stop("SIGINT"));
    logger.info({ processes }, "starting receiver processes");
    for (let i = 0; i < processes; i += 1) fork();
  });
}
