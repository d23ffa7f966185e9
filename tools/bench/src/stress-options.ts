import { parseArgs } from "node:util";
import { RUN_OPTIONS, RUN_USAGE, type RunSettings, runSettings } from "./run-settings";

export interface StressOptions extends RunSettings {
  quick: boolean;
  out: string | null;
  durationMs: number;
  /** Users per kind of traffic (steady, bursts, duplicates, invalid). */
  users: number;
  rateLimit: number;
}

const USAGE = `pnpm stress [--quick] [--out results.json] [--duration s] [--users n] [--rate-limit n]
  ${RUN_USAGE}`;

export function parseStressOptions(argv: string[]): StressOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      duration: { type: "string" },
      users: { type: "string" },
      "rate-limit": { type: "string" },
      ...RUN_OPTIONS,
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
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
    ...runSettings(values, "ohstress"),
  };
}
