// Test fixture: logs a burst through an asynchronous destination, then exits with exitAfterLogs.
import { pino } from "pino";
import { exitAfterLogs } from "./exit-after-logs";

const destination = pino.destination({ sync: false });
const logger = pino(destination);
const lines = Number(process.argv[2]);
for (let i = 0; i < lines; i++) logger.info({ i, pad: "x".repeat(200) }, "line");
logger.info("stopped");
await exitAfterLogs(destination, 3);
