import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./redis-server";

export interface PgBouncerOptions {
  /** The Postgres it pools, as a URL (its user, password, host and port; any database). */
  target: string;
  poolMode?: "session" | "transaction" | "statement";
  /** Server connections per database and user (PgBouncer's `default_pool_size`). */
  poolSize?: number;
  port?: number;
  /** Extra `[pgbouncer]` settings, e.g. `{ ignore_startup_parameters: "statement_timeout" }`. */
  settings?: Record<string, string>;
  /** The binary: Debian's package installs it here (`apt-get install pgbouncer`). */
  binary?: string;
}

/** Still running when the test process exits: killed, so none outlives a crashed run. */
const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

function iniValue(value: string): string {
  return value.replaceAll("'", "''");
}

/**
 * A throwaway PgBouncer on a free loopback port in front of `target`, with a temporary ini:
 * clients are trusted (any password), PgBouncer logs in to Postgres as the target's user. Every
 * database of the target is reachable through it: `url(name)`.
 */
export class PgBouncer {
  private output = "";
  private constructor(
    readonly port: number,
    private readonly target: URL,
    private readonly dir: string,
    private readonly process: ChildProcess,
    private readonly exited: Promise<unknown>,
  ) {}

  static async start(options: PgBouncerOptions): Promise<PgBouncer> {
    const target = new URL(options.target);
    const port = options.port ?? (await freePort());
    const dir = await mkdtemp(join(tmpdir(), "orderhook-pgbouncer-"));
    // PgBouncer refuses to run as root; as root it drops to the `postgres` user, which must read these.
    await chmod(dir, 0o755);
    const user = decodeURIComponent(target.username || "postgres");
    const password = decodeURIComponent(target.password);
    const server = [
      `host=${target.hostname.replace(/^\[|\]$/g, "")}`,
      `port=${target.port || "5432"}`,
      `user=${user}`,
      ...(password ? [`password='${iniValue(password)}'`] : []),
    ].join(" ");
    const settings: Record<string, string> = {
      listen_addr: "127.0.0.1",
      listen_port: String(port),
      unix_socket_dir: "",
      auth_type: "trust",
      auth_file: join(dir, "users.txt"),
      pool_mode: options.poolMode ?? "transaction",
      default_pool_size: String(options.poolSize ?? 20),
      max_client_conn: "2000",
      logfile: "",
      pidfile: "",
      log_connections: "0",
      log_disconnections: "0",
      ...options.settings,
    };
    const ini = [
      "[databases]",
      `* = ${server}`,
      "[pgbouncer]",
      ...Object.entries(settings).map(([key, value]) => `${key} = ${value}`),
      "",
    ].join("\n");
    const iniPath = join(dir, "pgbouncer.ini");
    await writeFile(iniPath, ini, { mode: 0o644 });
    await writeFile(join(dir, "users.txt"), `"${user.replaceAll('"', '""')}" ""\n`, { mode: 0o644 });
    const asRoot = typeof globalThis.process.getuid === "function" && globalThis.process.getuid() === 0;
    const child = spawn(
      options.binary ?? "/usr/sbin/pgbouncer",
      [...(asRoot ? ["-u", "postgres"] : []), iniPath],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    running.add(child);
    const exited = once(child, "exit").finally(() => running.delete(child));
    exited.catch(() => {});
    const bouncer = new PgBouncer(port, target, dir, child, exited);
    const keep = (data: Buffer) => {
      bouncer.output = (bouncer.output + data.toString()).slice(-8_000);
    };
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
    child.on("error", (error) => keep(Buffer.from(`spawn failed: ${error.message}\n`)));
    await bouncer.waitForPort();
    return bouncer;
  }

  /** A URL for `database` (default: the target's) through this PgBouncer. */
  url(database?: string): string {
    const url = new URL(this.target);
    url.host = `127.0.0.1:${this.port}`;
    url.password = "";
    if (database !== undefined) url.pathname = `/${database}`;
    return url.toString();
  }

  get pid(): number | undefined {
    return this.process.pid;
  }

  /** What PgBouncer logged (the last 8 kB): its refusals name the reason. */
  get log(): string {
    return this.output;
  }

  get running(): boolean {
    return this.process.exitCode === null && this.process.signalCode === null;
  }

  /** Stops PgBouncer (SIGINT: it closes at once) and removes its temporary files. */
  async stop(): Promise<void> {
    if (this.running) {
      this.process.kill("SIGINT");
      const timer = setTimeout(() => this.process.kill("SIGKILL"), 5_000);
      await this.exited;
      clearTimeout(timer);
    }
    await rm(this.dir, { recursive: true, force: true });
  }

  private async waitForPort(): Promise<void> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (!this.running) throw new Error(`pgbouncer exited on start:\n${this.output}`);
      const open = await new Promise<boolean>((resolve) => {
        const socket = connect(this.port, "127.0.0.1");
        socket.once("connect", () => {
          socket.destroy();
          resolve(true);
        });
        socket.once("error", () => resolve(false));
      });
      if (open) return;
      if (Date.now() > deadline) throw new Error(`pgbouncer did not listen in time:\n${this.output}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
