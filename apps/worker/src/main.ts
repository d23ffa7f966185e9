import { loadEnv, workerEnvSchema } from "@orderhook/config";
import { createLogger } from "@orderhook/observability";
import { pino } from "pino";
import { type RunningWorker, startWorker } from "./start-worker";

const env = loadEnv(workerEnvSchema);
// Asynchronous stdout: lines written while a write is in flight share the next one, so a busy
// worker does not pay a syscall per job and an idle one still logs at once.
const destination = pino.destination({ sync: false });
const logger = createLogger({ name: "orderhook-worker", level: env.LOG_LEVEL, destination });

let worker: RunningWorker;
try {
  worker = await startWorker(env, logger);
} catch (error) {
  logger.fatal({ err: error }, `start-up check failed: ${(error as Error).message}`);
  destination.flushSync();
  process.exit(1);
}

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, "stopping: no new jobs, finishing active ones");
  setTimeout(() => {
    logger.error(
      { timeoutMs: env.SHUTDOWN_TIMEOUT_MS },
      "shutdown timed out; unfinished jobs return as stalled",
    );
    destination.flushSync();
    process.exit(1);
  }, env.SHUTDOWN_TIMEOUT_MS).unref();
  await worker.close();
  logger.info("stopped");
  destination.flushSync();
  process.exit(0);
}
process.once("SIGTERM", () => void shutdown("SIGTERM"));
process.once("SIGINT", () => void shutdown("SIGINT"));
