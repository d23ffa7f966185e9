import { randomBytes } from "node:crypto";
import { parseArgs } from "node:util";
import { DEFAULT_DATABASE_URL, DEFAULT_REDIS_URL } from "@orderhook/config";

export interface StressOptions {
  quick: boolean;
  out: string | null;
  durationMs: number;
  /** Users per kind of traffic (steady, bursts, duplicates, invalid). */
  users: number;
  rateLimit: number;
  databaseUrl: string;
  redisUrl: string;
  runId: string;
  queuePrefix: string;
  keepDatabase: boolean;
}

const USAGE = `pnpm stress [--quick] [--out results.json] [--duration s] [--users n] [--rate-limit n]
  [--database-url postgres://…] [--redis-url redis://…] [--queue-prefix p] [--keep-database]`;

export function parseStressOptions(argv: string[]): StressOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: "boolean", default: false },
      out: { type: "string" },
      duration: { type: "string" },
      users: { type: "string" },
      "rate-limit": { type: "string" },
      "database-url": { type: "string" },
      "redis-url": { type: "string" },
      "queue-prefix": { type: "string" },
      "keep-database": { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const runId = `${Date.now().toString(36)}${randomBytes(3).toString("hex")}`;
  const number = (value: string | undefined, fallback: number, flag: string) => {
    const n = value === undefined ? fallback : Number(value);
    if (!Number.isFinite(n) || n <= 0) {
      console.error(`${flag}: expected a positive number, got ${value}\n${USAGE}`);
      process.exit(2);
    }
    return n;
  };
  return {
    quick: values.quick,
    out: values.out ?? null,
    durationMs: Math.round(number(values.duration, values.quick ? 5 : 30, "--duration") * 1000),
    users: Math.round(number(values.users, values.quick ? 2 : 10, "--users")),
    rateLimit: Math.round(number(values["rate-limit"], 10, "--rate-limit")),
    databaseUrl: values["database-url"] ?? process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL,
    redisUrl: values["redis-url"] ?? process.env.REDIS_URL ?? DEFAULT_REDIS_URL,
    runId,
    queuePrefix: values["queue-prefix"] ?? `ohstress-${runId}`,
    keepDatabase: values["keep-database"],
  };
}
