import type { z } from "zod";
import { cliEnvSchema } from "./cli-env";
import { consoleEnvSchema } from "./console-env";
import { receiverEnvSchema } from "./receiver-env";
import { workerEnvSchema } from "./worker-env";

/** Every process's environment schema, under the name the configuration reference gives it. */
export const envSchemas: readonly (readonly [process: string, schema: z.ZodType])[] = [
  ["receiver", receiverEnvSchema],
  ["worker", workerEnvSchema],
  ["console", consoleEnvSchema],
  ["CLI", cliEnvSchema],
];
