import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { freePort, type ServiceProcess, startService } from "./service-process";

const APP_MAIN = {
  receiver: fileURLToPath(new URL("../../../../apps/receiver/dist/main.js", import.meta.url)),
  worker: fileURLToPath(new URL("../../../../apps/worker/dist/main.js", import.meta.url)),
};

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

/** The built receiver (`apps/receiver/dist/main.js`) on a free loopback port, ready when /readyz answers. */
export async function startReceiver(
  env: OrderhookEnv,
  nodeArgs: string[] = [],
): Promise<ServiceProcess & { origin: string }> {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const service = await startService({
    name: "receiver",
    nodeArgs: [...nodeArgs, APP_MAIN.receiver],
    env: {
      ...commonEnv(env),
      PORT: String(port),
      HOST: "127.0.0.1",
      // Every bench user has a high limit of its own; this only covers users without one.
      RATE_LIMIT_PER_SECOND: "1000000",
    },
    readyUrl: `${origin}/readyz`,
  });
  return Object.assign(service, { origin });
}

/** The built worker (`apps/worker/dist/main.js`), ready when its metrics endpoint answers. */
export async function startWorker(env: OrderhookEnv, nodeArgs: string[] = []): Promise<ServiceProcess> {
  const metricsPort = await freePort();
  return startService({
    name: "worker",
    // As the worker image and `pnpm start:worker` run it.
    nodeArgs: ["--max-semi-space-size=32", ...nodeArgs, APP_MAIN.worker],
    env: { ...commonEnv(env), METRICS_PORT: String(metricsPort), METRICS_HOST: "127.0.0.1" },
    readyUrl: `http://127.0.0.1:${metricsPort}/healthz`,
  });
}
