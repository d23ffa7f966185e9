import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { basename } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "./redis-server";

export type AppName = "receiver" | "worker";

const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));

/** Apps run from source through tsx: no build step before `pnpm test`, same code as `pnpm dev`. */
const MAIN: Record<AppName, string> = {
  receiver: `${REPO_ROOT}apps/receiver/src/main.ts`,
  worker: `${REPO_ROOT}apps/worker/src/main.ts`,
};

interface CommonOptions {
  /** The child's environment: nothing leaks in from the test process but PATH and HOME. */
  env: Record<string, string>;
  /** Test-only modules loaded before the entry point (fault injectors); paths or file URLs. */
  preload?: string[];
  readyTimeoutMs?: number;
}

/**
 * An orderhook app from its `src/main.ts`, listening on a free loopback port (`origin`: the
 * receiver's HTTP port, the worker's metrics port); ready once GET `/readyz` answers 200.
 * NODE_ENV=production and LOG_LEVEL=info unless `env` says otherwise.
 */
export interface AppOptions extends CommonOptions {
  app: AppName;
}

/** Any other entry point; ready once its output matches, or once the probe resolves true. */
export interface EntryOptions extends CommonOptions {
  /** Absolute path of the script (run through tsx). */
  entry: string;
  readyWhen: RegExp | (() => Promise<boolean>);
}

export type AppProcessOptions = AppOptions | EntryOptions;

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Children still running when the test process exits are killed, so none outlive a crashed run. */
const alive = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of alive) child.kill("SIGKILL");
});

/**
 * A real orderhook process for tests: started with an explicit environment, killed with any
 * signal, every line it prints kept (the secrets check reads them all).
 */
export class AppProcess {
  /** Every stdout and stderr line, in arrival order per stream. */
  readonly lines: string[] = [];
  /** Resolves once the process has exited and its output is fully read. */
  readonly exited: Promise<ExitStatus>;
  private readonly partial = { stdout: "", stderr: "" };

  private constructor(
    /** The app's name, or the entry point's file name. */
    readonly name: string,
    private readonly child: ChildProcess,
    private readonly httpOrigin: string | null,
    private readonly adminHttpOrigin: string | null = null,
  ) {
    alive.add(child);
    // "close", not "exit": it comes after the last output, so a failure message misses nothing.
    this.exited = once(child, "close").then(([code, signal]) => {
      alive.delete(child);
      this.flushPartial();
      return { code: code as number | null, signal: signal as NodeJS.Signals | null };
    });
    for (const stream of ["stdout", "stderr"] as const) {
      child[stream]?.on("data", (chunk: Buffer) => this.collect(stream, chunk.toString("utf8")));
    }
  }

  static async start(options: AppProcessOptions): Promise<AppProcess> {
    const app = "app" in options ? await AppProcess.spawnApp(options) : AppProcess.spawnEntry(options);
    const timeoutMs = options.readyTimeoutMs ?? 30_000;
    try {
      if ("app" in options) await app.waitUntilReady(timeoutMs);
      else if (options.readyWhen instanceof RegExp) await app.waitForOutput(options.readyWhen, timeoutMs);
      else await app.waitFor(options.readyWhen, timeoutMs);
    } catch (error) {
      await app.kill();
      throw error;
    }
    return app;
  }

  private static async spawnApp(options: AppOptions): Promise<AppProcess> {
    const port = await freePort();
    const adminPort =
      options.app === "receiver" ? Number(options.env.ADMIN_PORT ?? (await freePort())) : null;
    const listen: Record<string, string> =
      options.app === "receiver"
        ? { PORT: String(port), HOST: "127.0.0.1", ADMIN_PORT: String(adminPort) }
        : { METRICS_PORT: String(port), METRICS_HOST: "127.0.0.1" };
    const env = { NODE_ENV: "production", LOG_LEVEL: "info", ...options.env, ...listen };
    const child = spawnTsx(MAIN[options.app], env, options.preload);
    const adminHost = options.env.ADMIN_HOST?.includes(":") ? "[::1]" : "127.0.0.1";
    return new AppProcess(
      options.app,
      child,
      `http://127.0.0.1:${port}`,
      adminPort === null ? null : `http://${adminHost}:${adminPort}`,
    );
  }

  private static spawnEntry(options: EntryOptions): AppProcess {
    return new AppProcess(
      basename(options.entry),
      spawnTsx(options.entry, options.env, options.preload),
      null,
    );
  }

  /** The app's HTTP origin (receiver: its API; worker: its metrics and probes). */
  get origin(): string {
    if (this.httpOrigin === null) throw new Error(`${this.name} was started from an entry point: no origin`);
    return this.httpOrigin;
  }

  /** The receiver's admin listener (`/metrics`, the dashboard): ADMIN_PORT on ADMIN_HOST. */
  get adminOrigin(): string {
    if (this.adminHttpOrigin === null) throw new Error(`${this.name} has no admin listener`);
    return this.adminHttpOrigin;
  }

  /** Everything printed so far, line by line. */
  get output(): string {
    return this.lines.join("\n");
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Status of GET `path` on the origin, or 0 when nothing answered within the timeout. */
  async probe(path: string, timeoutMs = 2_000): Promise<number> {
    try {
      const res = await fetch(`${this.origin}${path}`, { signal: AbortSignal.timeout(timeoutMs) });
      await res.arrayBuffer();
      return res.status;
    } catch {
      return 0;
    }
  }

  /** Resolves once `/readyz` answers 200. */
  waitUntilReady(timeoutMs = 30_000): Promise<void> {
    return this.waitFor(async () => (await this.probe("/readyz")) === 200, timeoutMs, "/readyz answered 200");
  }

  /** Resolves when the output matches. */
  waitForOutput(pattern: RegExp, timeoutMs = 30_000): Promise<void> {
    return this.waitFor(async () => pattern.test(this.output), timeoutMs, String(pattern));
  }

  /**
   * Resolves when `probe` resolves true (a throwing probe counts as false); rejects with the
   * last lines printed if the process exits first or the time runs out.
   */
  async waitFor(probe: () => Promise<boolean>, timeoutMs = 30_000, what = "readiness"): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await probe().catch(() => false))) {
      if (!this.running) {
        await this.exited;
        throw new Error(`${this.name}: process exited before ${what}:\n${this.tail()}`);
      }
      if (Date.now() > deadline)
        throw new Error(`${this.name}: no ${what} within ${timeoutMs} ms:\n${this.tail()}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  /** Sends `signal` without waiting (see `exited`). */
  signal(signal: NodeJS.Signals): void {
    if (this.running) this.child.kill(signal);
  }

  /** Sends `signal` (SIGKILL by default: no shutdown code runs, like a crashed host) and waits for the exit. */
  async kill(signal: NodeJS.Signals = "SIGKILL"): Promise<ExitStatus> {
    this.signal(signal);
    return this.exited;
  }

  /** SIGTERM and wait for the exit; SIGKILL after `graceMs` (reported as such). */
  async stop(graceMs = 20_000): Promise<ExitStatus> {
    this.signal("SIGTERM");
    const timer = setTimeout(() => this.signal("SIGKILL"), graceMs);
    const exit = await this.exited;
    clearTimeout(timer);
    return exit;
  }

  /** SIGSTOP / SIGCONT: a process whose event loop is frozen, as a blocked or swapped-out one. */
  freeze(): void {
    this.signal("SIGSTOP");
  }

  thaw(): void {
    this.signal("SIGCONT");
  }

  /** The last lines printed, for failure messages. */
  tail(count = 30): string {
    return this.lines.slice(-count).join("\n");
  }

  private collect(stream: "stdout" | "stderr", text: string): void {
    const parts = (this.partial[stream] + text).split("\n");
    this.partial[stream] = parts.pop() ?? "";
    for (const line of parts) if (line.length > 0) this.lines.push(line);
  }

  private flushPartial(): void {
    for (const stream of ["stdout", "stderr"] as const) {
      if (this.partial[stream].length > 0) this.lines.push(this.partial[stream]);
      this.partial[stream] = "";
    }
  }
}

function spawnTsx(entry: string, env: Record<string, string>, preload: string[] = []): ChildProcess {
  const imports = ["tsx", ...preload].flatMap((module) => ["--import", module]);
  return spawn(process.execPath, [...imports, entry], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
}
