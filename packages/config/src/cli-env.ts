import { z } from "zod";
import { dbPoolMax, deliveryLogFields, processFields, publicUrl } from "./common";
import { optionalConnectionUrl, port } from "./fields";
import { checkRedisScale } from "./redis-scale";

export const cliEnvSchema = z
  .object({
    ...processFields,
    ...deliveryLogFields,
    PORT: port(3000).describe(
      "The receiver's port, for the webhook URLs the CLI prints when `PUBLIC_URL` is unset.",
    ),
    PUBLIC_URL: publicUrl,
    DB_POOL_MAX: dbPoolMax(2),
    MIGRATION_DATABASE_URL: optionalConnectionUrl(["postgres:", "postgresql:"]).describe(
      "A direct (or session-mode) connection for `db migrate`, which holds an advisory lock for the whole run; " +
        "`DATABASE_URL` when unset. Required with `DATABASE_POOL_MODE=transaction`.",
    ),
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
