export { type CliEnv, cliEnvSchema } from "./cli-env";
export { DEFAULT_DATABASE_URL, DEFAULT_REDIS_URL } from "./common";
export { type ConsoleEnv, consoleEnvSchema } from "./console-env";
export { ConfigError, loadEnv, parseEnv } from "./parse-env";
export { type ReceiverEnv, receiverEnvSchema } from "./receiver-env";
export { type ClusterNode, HASH_TAG } from "./redis-scale";
export { type WorkerEnv, workerEnvSchema } from "./worker-env";
