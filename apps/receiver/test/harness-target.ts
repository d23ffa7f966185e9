/**
 * What the receiver's measuring harnesses (`receiver-callgrind.ts`, `receiver-heap.ts`) share:
 * the app to measure with its own database, and one alert sent and answered.
 */
import { type Agent, request } from "node:http";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort, runOrderhook } from "@orderhook/testing";

export const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));

export interface HarnessTarget {
  /** Node arguments that start it. */
  entry: string[];
  env: Record<string, string>;
  /** Where its alerts go. */
  path: string;
}

/**
 * Bare Hono (`floor`: tools/bench/src/targets/floor-server.ts, through tsx's loader, which runs
 * at start-up, before anything is measured), or the built receiver on a database `label` of the
 * server at DATABASE_URL (`db migrate` creates it; the caller drops it) with a demo webhook. The
 * credential cache's refresh is set to an hour: its Postgres query every 5 s of wall time would
 * fall in the figure (~9k instructions per alert under valgrind, ADR 5).
 */
export async function harnessTarget(options: {
  floor: boolean;
  label: string;
  databaseUrl: URL;
  redisUrl: string;
  env?: Record<string, string>;
}): Promise<HarnessTarget> {
  if (options.floor) {
    const floor = join(REPO_ROOT, "tools/bench/src/targets/floor-server.ts");
    return { entry: ["--import", "tsx", floor], env: {}, path: "/v1/webhooks/oh_floor" };
  }
  const env = {
    DATABASE_URL: options.databaseUrl.toString(),
    REDIS_URL: options.redisUrl,
    QUEUE_PREFIX: options.label,
  };
  const migrated = await runOrderhook(["db", "migrate"], env);
  if (migrated.code !== 0) throw new Error(`db migrate failed: ${migrated.stderr}`);
  const { token } = (await runOrderhook(["demo", "--json"], env)).json<{ token: string }>();
  return {
    entry: [join(REPO_ROOT, "apps/receiver/dist/main.js")],
    env: {
      ...env,
      LOG_LEVEL: "warn",
      NODE_ENV: "production",
      ADMIN_PORT: String(await freePort()),
      RATE_LIMIT_PER_SECOND: "1000000",
      CREDENTIAL_CACHE_TTL_MS: "3600000",
      ...options.env,
    },
    path: `/v1/webhooks/${token}`,
  };
}

/** One alert (the bench's body, unique per `i`), answered; resolves with the status. */
export function sendAlert(agent: Agent, port: number, path: string, tag: string, i: number): Promise<number> {
  const body = `{"ticker":"AAPL","action":"buy","quantity":1,"comment":"${tag}-${i}"}`;
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        path,
        method: "POST",
        agent,
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/** Sends warm-up alerts until one is answered: the app listens (`attempts` tries, `delayMs` apart). */
export async function untilAnswering(
  send: (i: number) => Promise<number>,
  attempts: number,
  delayMs: number,
  what: string,
): Promise<void> {
  for (let i = 0; ; i++) {
    try {
      await send(-1 - i);
      return;
    } catch {
      if (i > attempts) throw new Error(`${what} did not start`);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}
