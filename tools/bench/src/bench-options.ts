import { parseArgs } from "node:util";
import type { BurstSend } from "./load/load-spec";
import { RUN_OPTIONS, RUN_USAGE, type RunSettings, runSettings } from "./run-settings";

export const TARGET_NAMES = ["floor", "orderhook", "drain", "baseline", "flood", "burst"] as const;
export type TargetName = (typeof TARGET_NAMES)[number];

export interface BenchOptions extends RunSettings {
  quick: boolean;
  /** `--scale`: the scaling phases (workers, receiver processes, PgBouncer) instead of the targets; docs/scaling.md. */
  scale: boolean;
  /** `--burst-capacity`: the largest burst acknowledged within 3 s per WEB_CONCURRENCY (part of `--scale`, or alone). */
  burstCapacity: boolean;
  /** Where the JSON goes; null for a full run, which writes docs/benchmarks/ and docs/benchmarks.md. */
  out: string | null;
  rates: number[];
  warmupMs: number;
  durationMs: number;
  closedWarmupMs: number;
  closedDurationMs: number;
  /** Closed-loop connections for orderhook and the floor. */
  connections: number;
  /** Open- and closed-loop connection cap for the baseline: each of its requests holds a Postgres connection of the shared server. */
  baselineConnections: number;
  /** Keep-alive connection cap for open loops against orderhook and the floor. */
  openConnections: number;
  drainJobs: number;
  /** The flood phase: a real sender at `floodRealRate` beside `floodRate` random tokens, each `floodDurationMs`. */
  floodRate: number;
  floodRealRate: number;
  floodDurationMs: number;
  drainTimeoutMs: number;
  users: number;
  targets: TargetName[];
  /** Node flags for the receiver and worker: `--cpu-prof` into the `--cpu-prof DIR` given. */
  profileNodeArgs: string[];
  /** The `--cpu-prof DIR` given (the burst phase writes into subdirectories of it), or null. */
  cpuProfDir: string | null;
  /** The burst phase: alerts released at one instant, one measured burst per size. */
  burst: number[];
  /** Alerts of the unmeasured burst that warms each server (its JIT, its pools) before the measured ones. */
  burstWarmup: number;
  /** Warm keep-alive connections a burst is released over. */
  burstConnections: number;
  /** How each connection's share leaves the generator: all at the release, or one in flight at a time. */
  burstSend: BurstSend;
  /** Users (one webhook each) a burst's alerts are spread over, round-robin. */
  burstUsers: number;
  /** Start orderhook's worker only after a burst's last ack: the ack window then holds the receiver's work alone. */
  burstWorkerAfter: boolean;
  /** A running receiver to measure instead of spawning one, and the database it (and its worker) use. */
  receiverUrl: string | null;
  receiverDatabaseUrl: string | null;
  /** A sentence for docs/benchmarks.md, e.g. what else was running on the machine. */
  note: string | null;
}

const USAGE = `pnpm bench [--quick] [--scale] [--burst-capacity] [--out results.json] [--rates 500,1000,2000] [--duration s] [--warmup s]
  [--connections 64] [--baseline-connections 16] [--drain-jobs 50000] [--targets floor,orderhook,drain,baseline,flood,burst]
  [--burst 10000,20000] [--burst-connections 256] [--burst-send queued|pipelined] [--burst-worker-after]
  ${RUN_USAGE} [--cpu-prof DIR]
  [--note "machine was busy"] [--receiver-url http://… --receiver-database-url postgres://…]`;

export function parseBenchOptions(argv: string[]): BenchOptions {
  const { values } = parseOrFail(() =>
    parseArgs({
      args: argv,
      options: {
        rates: { type: "string" },
        duration: { type: "string" },
        warmup: { type: "string" },
        connections: { type: "string" },
        "baseline-connections": { type: "string" },
        "drain-jobs": { type: "string" },
        users: { type: "string" },
        targets: { type: "string" },
        "cpu-prof": { type: "string" },
        burst: { type: "string" },
        "burst-connections": { type: "string" },
        "burst-send": { type: "string" },
        "burst-worker-after": { type: "boolean", default: false },
        scale: { type: "boolean", default: false },
        "burst-capacity": { type: "boolean", default: false },
        note: { type: "string" },
        "receiver-url": { type: "string" },
        "receiver-database-url": { type: "string" },
        ...RUN_OPTIONS,
      },
    }),
  );
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const quick = values.quick;
  const scale = values.scale;
  const targets = values.targets ? list(values.targets, "--targets") : [...TARGET_NAMES];
  for (const t of targets)
    if (!TARGET_NAMES.includes(t as TargetName)) fail(`--targets: unknown target ${t}`);
  return {
    quick,
    scale,
    burstCapacity: values["burst-capacity"],
    out: values.out ?? null,
    rates: values.rates
      ? list(values.rates, "--rates").map((r) => positive(r, "--rates"))
      : quick
        ? [1000]
        : [500, 1000, 2000],
    warmupMs: seconds(values.warmup, quick ? 0.5 : 2, "--warmup"),
    durationMs: seconds(values.duration, quick ? 2 : scale ? 5 : 10, "--duration"),
    closedWarmupMs: quick ? 500 : 1_000,
    closedDurationMs: quick ? 2_000 : 5_000,
    connections: values.connections ? positive(values.connections, "--connections") : 64,
    baselineConnections: values["baseline-connections"]
      ? positive(values["baseline-connections"], "--baseline-connections")
      : 16,
    openConnections: 256,
    drainJobs: values["drain-jobs"]
      ? positive(values["drain-jobs"], "--drain-jobs")
      : quick
        ? 2_000
        : scale
          ? 30_000
          : 50_000,
    drainTimeoutMs: quick ? 3_000 : 10_000,
    floodRate: 3_000,
    floodRealRate: 200,
    floodDurationMs: quick ? 2_000 : 8_000,
    users: values.users ? positive(values.users, "--users") : 8,
    targets: targets as TargetName[],
    ...runSettings(values, "ohbench"),
    profileNodeArgs: values["cpu-prof"] ? ["--cpu-prof", `--cpu-prof-dir=${values["cpu-prof"]}`] : [],
    cpuProfDir: values["cpu-prof"] ?? null,
    burst: values.burst
      ? list(values.burst, "--burst").map((n) => positive(n, "--burst"))
      : quick
        ? [1_000]
        : [10_000, 20_000],
    burstWarmup: quick ? 200 : 2_000,
    burstConnections: values["burst-connections"]
      ? positive(values["burst-connections"], "--burst-connections")
      : 256,
    burstSend: burstSend(values["burst-send"]),
    burstUsers: 10,
    burstWorkerAfter: values["burst-worker-after"],
    note: values.note ?? null,
    receiverUrl: values["receiver-url"] ?? null,
    receiverDatabaseUrl: values["receiver-database-url"] ?? null,
  };
}

function burstSend(value: string | undefined): BurstSend {
  if (value === undefined || value === "pipelined" || value === "queued") return value ?? "queued";
  return fail(`--burst-send: expected queued or pipelined, got ${value}`);
}

function parseOrFail<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    return fail((error as Error).message);
  }
}

function list(value: string, flag: string): string[] {
  const items = value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (items.length === 0) fail(`${flag}: expected a comma-separated list`);
  return items;
}

function positive(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) fail(`${flag}: expected a positive whole number, got ${value}`);
  return n;
}

function seconds(value: string | undefined, fallback: number, flag: string): number {
  const n = value === undefined ? fallback : Number(value);
  if (!Number.isFinite(n) || n < 0) fail(`${flag}: expected seconds, got ${value}`);
  return Math.round(n * 1000);
}

function fail(message: string): never {
  console.error(`${message}\n${USAGE}`);
  process.exit(2);
}
