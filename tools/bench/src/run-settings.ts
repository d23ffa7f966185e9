import { randomBytes } from "node:crypto";
import { DEFAULT_DATABASE_URL, DEFAULT_REDIS_URL } from "@orderhook/config";

/** The `parseArgs` options every harness command takes: run length, output, where it runs and how it keeps to itself. */
export const RUN_OPTIONS = {
  quick: { type: "boolean", default: false },
  out: { type: "string" },
  "database-url": { type: "string" },
  "redis-url": { type: "string" },
  "queue-prefix": { type: "string" },
  "keep-database": { type: "boolean", default: false },
  help: { type: "boolean", short: "h", default: false },
} as const;

export const RUN_USAGE =
  "[--database-url postgres://…] [--redis-url redis://…] [--queue-prefix p] [--keep-database]";

/** Where a run goes: a database of its own on this server, and a Redis key prefix of its own. */
export interface RunSettings {
  /** Server on which the run creates (and drops) its own database. */
  databaseUrl: string;
  redisUrl: string;
  runId: string;
  queuePrefix: string;
  keepDatabase: boolean;
}

export function runSettings(
  values: {
    "database-url"?: string;
    "redis-url"?: string;
    "queue-prefix"?: string;
    "keep-database"?: boolean;
  },
  label: string,
): RunSettings {
  const runId = `${Date.now().toString(36)}${randomBytes(3).toString("hex")}`;
  return {
    databaseUrl: values["database-url"] ?? process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL,
    redisUrl: values["redis-url"] ?? process.env.REDIS_URL ?? DEFAULT_REDIS_URL,
    runId,
    queuePrefix: values["queue-prefix"] ?? `${label}-${runId}`,
    keepDatabase: values["keep-database"] ?? false,
  };
}
