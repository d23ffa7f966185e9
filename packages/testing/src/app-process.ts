import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { basename } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "./redis-server";

export type AppName = "receiver" | "worker" | "console";

const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));

/** An app's entry point: from source through tsx (as `pnpm dev`), or the bundle `pnpm build` wrote. */
function mainOf(app: AppName, built: boolean): string {
  return built ? `${REPO_ROOT}apps/${app}/dist/main.js` : `${REPO_ROOT}apps/${app}/src/main.ts`;
}

interface CommonOptions {
  /** The child's environment: nothing leaks in from the test process but PATH and HOME. */
  env: Record<string, string>;
  /** Test-only modules loaded before the entry point (fault injectors); paths or file URLs. */
  preload?: string[];
  /** Node flags before the script (`--max-semi-space-size=32`, `--cpu-prof`, …). */
  nodeArgs?: string[];
  readyTimeoutMs?: number;
  /** Keep only the last this many output lines (a long benchmark run); all by default. */
  maxLines?: number;
}

/**
 * An orderhook app, listening on a free loopback port (`origin`: the receiver's HTTP port, the
 * worker's metrics port); ready once GET `/readyz` answers 200. From `src/main.ts` through tsx:
 * no build step before `pnpm test`, same code as `pnpm dev`; with `built`, from the bundle in
 * `dist/` with plain node, as the images and `pnpm start:*` run it.
 * NODE_ENV=production and LOG_LEVEL=info unless `env` says otherwise.
 */
export interface AppOptions extends CommonOptions {
  app: AppName;
  built?: boolean;
}

/** Any other entry point; ready once its output matches, or once the probe resolves true. */
export interface EntryOptions extends CommonOptions {
  /** Absolute path of the script (run through tsx). */
  entry: string;
  readyWhen: RegExp | (() => Promise<boolean>);
}

/**
 * A command line such as `["pnpm", "dev"]`, run from the repository root in a process group of
 * its own: signals reach every process it started (pnpm, tsx watch, the apps).
 */
export interface CommandOptions extends Omit<CommonOptions, "preload" | "nodeArgs"> {
  command: [string, ...string[]];
  readyWhen: RegExp | (() => Promise<boolean>);
}

export type AppProcessOptions = AppOptions | EntryOptions | CommandOptions;

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Children still running when the test process exits are killed, so none outlive a crashed run. */
const alive = new Set<ChildProcess>();
const groups = new WeakSet<ChildProcess>();
process.once("exit", () => {
  for (const child of alive) signalChild(child, "SIGKILL");
});

/** Sends `signal` to the child, or to its whole process group when it leads one. */
function signalChild(child: ChildProcess, signal: NodeJS.Signals): void {
  if (groups.has(child) && child.pid !== undefined) {
    try {
      process.kill(-child.pid, signal);
    } catch {
      // The group is gone already.
    }
  } else child.kill(signal);
}

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
    private readonly maxLines = Number.POSITIVE_INFINITY,
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

  /** Starts the process and waits until it is ready; rejects (and kills it) if it exits or times out first. */
  static async start(options: AppProcessOptions): Promise<AppProcess> {
    const app = await AppProcess.spawn(options);
    try {
      await app.waitUntilStarted(options);
    } catch (error) {
      await app.kill();
      throw error;
    }
    return app;
  }

  /**
   * Spawns the process without waiting for it to be ready (`waitUntilReady()` does), for tests
   * of what happens while it starts.
   */
  static launch(options: AppProcessOptions): Promise<AppProcess> {
    return AppProcess.spawn(options);
  }

  /**
   * Starts a process that is expected to refuse to start (a failed start-up check, bad
   * configuration): resolves once it has exited, with all its output read; rejects (and kills
   * it) if it becomes ready instead or does not exit within the timeout.
   */
  static async startExpectingFailure(options: AppProcessOptions): Promise<AppProcess> {
    const app = await AppProcess.spawn(options);
    const timeoutMs = options.readyTimeoutMs ?? 30_000;
    const started = app.waitUntilStarted(options).then(
      () => "ready" as const,
      () => "exited" as const,
    );
    const timeout = new Promise<"timeout">((resolve) => setTimeout(resolve, timeoutMs, "timeout").unref());
    const outcome = await Promise.race([app.exited.then(() => "exited" as const), started, timeout]);
    if (outcome !== "exited") {
      await app.kill();
      throw new Error(
        `${app.name}: expected a failed start, but it ${outcome === "ready" ? "became ready" : "kept running"}:\n${app.tail()}`,
      );
    }
    await app.exited;
    return app;
  }

  private static async spawn(options: AppProcessOptions): Promise<AppProcess> {
    if ("command" in options) {
      const [file, ...args] = options.command;
      const child = spawn(file, args, {
        cwd: REPO_ROOT,
        env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...options.env },
        stdio: ["ignore", "pipe", "pipe"],
        detached: true,
      });
      groups.add(child);
      return new AppProcess(options.command.join(" "), child, null, options.maxLines);
    }
    if (!("app" in options)) {
      const child = spawnNode(options.entry, options.env, options);
      return new AppProcess(basename(options.entry), child, null, options.maxLines);
    }
    const port = await freePort();
    const adminPort =
      options.app === "receiver" ? Number(options.env.ADMIN_PORT ?? (await freePort())) : null;
    const listen: Record<string, string> =
      options.app === "receiver"
        ? { PORT: String(port), HOST: "127.0.0.1", ADMIN_PORT: String(adminPort) }
        : options.app === "console"
          ? { CONSOLE_PORT: String(port), CONSOLE_HOST: "127.0.0.1" }
          : { METRICS_PORT: String(port), METRICS_HOST: "127.0.0.1" };
    const env = { NODE_ENV: "production", LOG_LEVEL: "info", ...options.env, ...listen };
    const child = spawnNode(mainOf(options.app, options.built ?? false), env, options);
    const adminHost = options.env.ADMIN_HOST?.includes(":") ? "[::1]" : "127.0.0.1";
    return new AppProcess(
      options.app,
      child,
      `http://127.0.0.1:${port}`,
      options.maxLines,
      adminPort === null ? null : `http://${adminHost}:${adminPort}`,
    );
  }

  private waitUntilStarted(options: AppProcessOptions): Promise<void> {
    const timeoutMs = options.readyTimeoutMs ?? 30_000;
    if ("app" in options) return this.waitUntilReady(timeoutMs);
    if (options.readyWhen instanceof RegExp) return this.waitForOutput(options.readyWhen, timeoutMs);
    return this.waitFor(options.readyWhen, timeoutMs);
  }

  /** The child's process id (for CPU accounting). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** The app's HTTP origin (receiver: its API; worker: its metrics and probes; console: its pages). */
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
    // A group outlives its leader while the processes it started drain: it is signalled anyway.
    if (this.running || groups.has(this.child)) signalChild(this.child, signal);
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
    if (this.lines.length > this.maxLines) this.lines.splice(0, this.lines.length - this.maxLines);
  }

  private flushPartial(): void {
    for (const stream of ["stdout", "stderr"] as const) {
      if (this.partial[stream].length > 0) this.lines.push(this.partial[stream]);
      this.partial[stream] = "";
    }
  }
}

/** Runs `entry` with node: a `.ts` file through tsx, anything else as is. */
function spawnNode(
  entry: string,
  env: Record<string, string>,
  options: Pick<CommonOptions, "preload" | "nodeArgs">,
): ChildProcess {
  const loaders = entry.endsWith(".ts") ? ["tsx"] : [];
  const imports = [...loaders, ...(options.preload ?? [])].flatMap((module) => ["--import", module]);
  return spawn(process.execPath, [...(options.nodeArgs ?? []), ...imports, entry], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
}
