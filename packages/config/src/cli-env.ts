import { z } from "zod";
import { databaseFields, dbPoolMax, publicUrl, redisFields, serviceFields } from "./common";
import { port } from "./fields";
import { checkRedisScale } from "./redis-scale";

export const cliEnvSchema = z
  .object({
    ...serviceFields,
    ...databaseFields,
    ...redisFields,
    PORT: port(3000).describe(
      "The receiver's port, for the webhook URLs the CLI prints when `PUBLIC_URL` is unset.",
    ),
    PUBLIC_URL: publicUrl,
    DB_POOL_MAX: dbPoolMax(2),
    MIGRATIONS_DIR: z
      .string()
      .trim()
      .min(1)
      .optional()
      .describe(
        "Where `db migrate` reads drizzle-kit's SQL migrations; found by walking up from the code to `drizzle/` when unset.",
      ),
  })
  .superRefine(checkRedisScale);

export type CliEnv = z.infer<typeof cliEnvSchema>;
