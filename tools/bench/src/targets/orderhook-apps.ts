import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { AppProcess } from "@orderhook/testing";

const APP_MAIN = {
  receiver: fileURLToPath(new URL("../../../../apps/receiver/dist/main.js", import.meta.url)),
  worker: fileURLToPath(new URL("../../../../apps/worker/dist/main.js", import.meta.url)),
};

/** Output lines kept per process: enough for an error message, bounded over a long run. */
export const KEEP_LINES = 200;

export interface OrderhookEnv {
  databaseUrl: string;
  redisUrl: string;
  queuePrefix: string;
}

export function orderhookEnv(ctx: {
  databaseUrl: string;
  options: { redisUrl: string; queuePrefix: string };
}): OrderhookEnv {
  return {
    databaseUrl: ctx.databaseUrl,
    redisUrl: ctx.options.redisUrl,
    queuePrefix: ctx.options.queuePrefix,
  };
}

/** Fails early, naming the fix, when the built receiver or worker is missing. */
export function assertAppsBuilt(apps: (keyof typeof APP_MAIN)[]): void {
  const missing = apps.map((app) => APP_MAIN[app]).filter((path) => !existsSync(path));
  if (missing.length > 0) {
    throw new Error(`built apps missing (${missing.join(", ")}): run \`pnpm build\` first`);
  }
}

function commonEnv(env: OrderhookEnv): Record<string, string> {
  return {
    DATABASE_URL: env.databaseUrl,
    REDIS_URL: env.redisUrl,
    QUEUE_PREFIX: env.queuePrefix,
    // Per-request logging would measure the terminal, not the service.
    LOG_LEVEL: "warn",
    NODE_ENV: "production",
  };
}

/**
 * `DELIVERY_LOG_MAX_ENTRIES=0 pnpm bench` measures the receiver without the deliveries log (the
 * "before" of its cost per ack); unset, the receiver runs with its default, the log on.
 */
function deliveryLogEnv(): Record<string, string> {
  const entries = process.env.DELIVERY_LOG_MAX_ENTRIES;
  return entries === undefined ? {} : { DELIVERY_LOG_MAX_ENTRIES: entries };
}

/**
 * `BURST_YIELD_MAX_MS=2000 pnpm bench` (or `BURST_YIELD_RATE`) runs the worker with that burst
 * pacing, for an A/B of its settings; unset, the worker runs with its defaults.
 */
function burstYieldEnv(): Record<string, string> {
  const names = ["BURST_YIELD_RATE", "BURST_YIELD_MAX_MS"] as const;
  return Object.fromEntries(
    names.flatMap((name) => (process.env[name] === undefined ? [] : [[name, process.env[name]!]])),
  );
}

/** The built receiver (`apps/receiver/dist/main.js`) on a free loopback port, ready when /readyz answers. */
export function startReceiver(
  env: OrderhookEnv,
  nodeArgs: string[] = [],
  extraEnv: Record<string, string> = {},
): Promise<AppProcess> {
  return AppProcess.start({
    app: "receiver",
    built: true,
    nodeArgs,
    maxLines: KEEP_LINES,
    // Every bench user has a high limit of its own; this only covers users without one.
    env: { ...commonEnv(env), RATE_LIMIT_PER_SECOND: "1000000", ...deliveryLogEnv(), ...extraEnv },
  });
}

/** The built worker (`apps/worker/dist/main.js`), ready when its /readyz answers. */
export function startWorker(
  env: OrderhookEnv,
  nodeArgs: string[] = [],
  extraEnv: Record<string, string> = {},
): Promise<AppProcess> {
  return AppProcess.start({
    app: "worker",
    built: true,
    // As the worker image and `pnpm start:worker` run it.
    nodeArgs: ["--max-semi-space-size=32", ...nodeArgs],
    maxLines: KEEP_LINES,
    env: { ...commonEnv(env), ...burstYieldEnv(), ...extraEnv },
  });
}
