import { execFileSync } from "node:child_process";
import { Socket } from "node:net";

/** True when something accepts TCP connections at host:port within the timeout. */
export function canConnect(host: string, port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("error", () => done(false));
    socket.connect(port, host.replace(/^\[|\]$/g, ""), () => done(true));
  });
}

function hostPort(url: string, defaultPort: number): { host: string; port: number } {
  const u = new URL(url);
  return { host: u.hostname || "127.0.0.1", port: Number(u.port || defaultPort) };
}

function dockerEngineAvailable(): boolean {
  try {
    execFileSync("docker", ["info", "--format", "{{.ServerVersion}}"], { stdio: "ignore", timeout: 5_000 });
    return true;
  } catch {
    return false;
  }
}

/**
 * Makes sure Postgres and Redis answer. Where a Docker engine runs, it starts them with
 * `docker compose up -d --wait postgres redis`; otherwise it fails with one clear line.
 */
export async function ensureServices(databaseUrl: string, redisUrl: string): Promise<void> {
  const pg = hostPort(databaseUrl, 5432);
  const redis = hostPort(redisUrl, 6379);
  const missing = async () => {
    const out: string[] = [];
    if (!(await canConnect(pg.host, pg.port))) out.push(`Postgres at ${pg.host}:${pg.port}`);
    if (!(await canConnect(redis.host, redis.port))) out.push(`Redis at ${redis.host}:${redis.port}`);
    return out;
  };
  let down = await missing();
  if (down.length === 0) return;
  if (dockerEngineAvailable()) {
    execFileSync("docker", ["compose", "up", "-d", "--wait", "postgres", "redis"], { stdio: "inherit" });
    down = await missing();
    if (down.length === 0) return;
  }
  throw new Error(
    `orderhook tests need ${down.join(" and ")}, which ${down.length === 1 ? "is" : "are"} unreachable: start ${
      down.length === 1 ? "it" : "them"
    } (docker compose up -d --wait postgres redis) or set DATABASE_URL / REDIS_URL.`,
  );
}
