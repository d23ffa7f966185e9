import cluster from "node:cluster";
import type { ReceiverEnv } from "@orderhook/config";
import { startServer } from "@orderhook/http";
import { exitAfterLogs, type Logger } from "@orderhook/observability";
import type { pino } from "pino";
import { joinClusterMetrics } from "./cluster-metrics";
import { createReceiver } from "./create-receiver";
import { CHILD_READY } from "./supervise-receivers";

/**
 * One receiver process: connects, listens, and on SIGTERM/SIGINT drains and exits 0. Run alone
 * (WEB_CONCURRENCY=1) or as a child of `superviseReceivers`, whose listeners it then shares.
 */
export function serveReceiver(
  env: ReceiverEnv,
  logger: Logger,
  destination: ReturnType<typeof pino.destination>,
): void {
  const clusterMetrics = cluster.isWorker ? joinClusterMetrics() : null;

  async function start() {
    const receiver = await createReceiver(env, logger, { clusterMetrics });
    const timeouts = {
      headersTimeoutMs: env.HTTP_HEADERS_TIMEOUT_MS,
      requestTimeoutMs: env.HTTP_REQUEST_TIMEOUT_MS,
      connectionsCheckingIntervalMs: env.HTTP_CONNECTIONS_CHECK_INTERVAL_MS,
      keepAliveTimeoutMs: env.HTTP_KEEP_ALIVE_TIMEOUT_MS,
    };
    // Operator surfaces first, on their own (private) address: the public port never serves them.
    const admin = receiver.adminApp
      ? await startServer(receiver.adminApp, { port: env.ADMIN_PORT, hostname: env.ADMIN_HOST, timeouts })
      : null;
    if (admin)
      logger.info({ port: admin.port, host: env.ADMIN_HOST }, "admin listening (metrics, dashboard)");
    const server = await startServer(receiver.app, { port: env.PORT, hostname: env.HOST, timeouts });
    logger.info({ port: server.port, host: env.HOST }, "receiver listening");
    if (cluster.isWorker) process.send?.({ type: CHILD_READY });
    return { receiver, server, admin };
  }

  const starting = start().catch((error: unknown) => {
    logger.fatal({ err: (error as Error).message }, "receiver cannot start");
    return exitAfterLogs(destination, 1);
  });

  let stopping = false;
  // Registered before start-up finishes, so a SIGTERM during it still ends in a drain and exit 0
  // instead of Node's default (killed by the signal).
  async function shutdown(signal: string): Promise<void> {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "draining");
    setTimeout(() => process.exit(1), env.SHUTDOWN_TIMEOUT_MS).unref();
    const { receiver, server, admin } = await starting;
    receiver.beginShutdown();
    // Most of the budget goes to in-flight requests; the rest to closing connections.
    await server.close(Math.floor(env.SHUTDOWN_TIMEOUT_MS * 0.8));
    await admin?.close(1_000);
    await receiver.close();
    logger.info("receiver stopped");
    await exitAfterLogs(destination, 0);
  }
  process.once("SIGTERM", () => void shutdown("SIGTERM"));
  process.once("SIGINT", () => void shutdown("SIGINT"));
}
