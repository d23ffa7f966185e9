import { consoleEnvSchema, loadEnv } from "@orderhook/config";
import { startServer } from "@orderhook/http";
import { createLogger, exitAfterLogs } from "@orderhook/observability";
import { pino } from "pino";
import { createConsole } from "./create-console";

const env = loadEnv(consoleEnvSchema);
const destination = pino.destination({ sync: false });
const logger = createLogger({ name: "console", level: env.LOG_LEVEL, destination });
const shutdown = new AbortController();

async function start() {
  const service = await createConsole(env, logger, shutdown.signal);
  const server = await startServer(service.app, { port: env.CONSOLE_PORT, hostname: env.CONSOLE_HOST });
  return { service, server };
}

const { service, server } = await start().catch((error: unknown) => {
  logger.fatal({ err: (error as Error).message }, "console cannot start");
  return exitAfterLogs(destination, 1);
});
logger.info({ port: server.port, host: env.CONSOLE_HOST }, "console listening");

let stopping = false;
async function stop(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, "draining");
  setTimeout(() => process.exit(1), env.SHUTDOWN_TIMEOUT_MS).unref();
  // Ends the live event streams (browsers reconnect to another replica) and turns /readyz 503.
  shutdown.abort();
  await server.close(Math.floor(env.SHUTDOWN_TIMEOUT_MS * 0.8));
  await service.close();
  logger.info("console stopped");
  await exitAfterLogs(destination, 0);
}
process.once("SIGTERM", () => void stop("SIGTERM"));
process.once("SIGINT", () => void stop("SIGINT"));
