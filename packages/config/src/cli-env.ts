import { z } from "zod";
import { databaseFields, redisFields, serviceFields } from "./common";
import { integer, port } from "./fields";

export const cliEnvSchema = z.object({
  ...serviceFields,
  ...databaseFields,
  ...redisFields,
  PORT: port(3000),
  PUBLIC_URL: z.url({ protocol: /^https?$/, error: "expected an http(s) URL" }).optional(),
  DB_POOL_MAX: integer(2, { min: 1, max: 1000 }),
  /** Where drizzle-kit's SQL migrations live; found next to the code when unset. */
  MIGRATIONS_DIR: z.string().trim().min(1).optional(),
});

export type CliEnv = z.infer<typeof cliEnvSchema>;
