import { loadEnv, workerEnvSchema } from "@orderhook/config";
import { createLogger, exitAfterLogs } from "@orderhook/observability";
import { pino } from "pino";
import { startWorker } from "./start-worker";

const env = loadEnv(workerEnvSchema);
// Asynchronous stdout: lines written while a write is in flight share the next one, so a busy
// worker does not pay a syscall per job and an idle one still logs at once.
const destination = pino.destination({ sync: false });
const logger = createLogger({ name: "orderhook-worker", level: env.LOG_LEVEL, destination });

const exit = (code: number) => exitAfterLogs(destination, code);

const starting = startWorker(env, logger).catch((error: unknown) => {
  logger.fatal({ err: error }, `start-up check failed: ${(error as Error).message}`);
  return exit(1);
});

let stopping = false;
// Registered before start-up finishes, so a SIGTERM during it still drains instead of killing.
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, "stopping: no new jobs, finishing active ones");
  setTimeout(() => {
    logger.error(
      { timeoutMs: env.SHUTDOWN_TIMEOUT_MS },
      "shutdown timed out; unfinished jobs return as stalled",
    );
    void exit(1);
  }, env.SHUTDOWN_TIMEOUT_MS).unref();
  await (await starting).close();
  logger.info("stopped");
  await exit(0);
}
process.once("SIGTERM", () => void shutdown("SIGTERM"));
process.once("SIGINT", () => void shutdown("SIGINT"));
