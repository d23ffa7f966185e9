import cluster from "node:cluster";
import { loadEnv, receiverEnvSchema } from "@orderhook/config";
import { createLogger, exitAfterLogs } from "@orderhook/observability";
import { pino } from "pino";
import { serveReceiver } from "./serve-receiver";
import { superviseReceivers } from "./supervise-receivers";

const env = loadEnv(receiverEnvSchema);
// Asynchronous writes: lines logged while a write is in flight go out together in the next one.
const destination = pino.destination({ sync: false });
const logger = createLogger({ name: "receiver", level: env.LOG_LEVEL, destination });

if (env.WEB_CONCURRENCY > 1 && cluster.isPrimary) {
  // The primary only supervises: the children connect, listen (sharing the ports) and serve.
  void superviseReceivers({
    processes: env.WEB_CONCURRENCY,
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
    logger,
  }).then((code) => exitAfterLogs(destination, code));
} else {
  serveReceiver(env, logger, destination);
}
