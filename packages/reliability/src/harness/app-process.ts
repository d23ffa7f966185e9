import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { freePort } from "@orderhook/testing";

export type AppName = "receiver" | "worker";

const REPO_ROOT = fileURLToPath(new URL("../../../../", import.meta.url));

/** Apps are run from source through tsx: no build step before `pnpm test`, same code as `pnpm dev`. */
const MAIN: Record<AppName, string> = {
  receiver: `${REPO_ROOT}apps/receiver/src/main.ts`,
  worker: `${REPO_ROOT}apps/worker/src/main.ts`,
};

export interface AppProcessOptions {
  env: Record<string, string>;
  /** Test-only modules loaded before the app's main (fault injectors); paths or file URLs. */
  preload?: string[];
  /** How long to wait for the readiness endpoint. */
  readyTimeoutMs?: number;
  /** Skip waiting for readiness (the app is expected to start against a broken dependency). */
  waitReady?: boolean;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Every child still alive when the test process exits is killed: no run leaves apps behind. */
const alive = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of alive) child.kill("SIGKILL");
});

/**
 * The real receiver or worker as a child process, configured by environment only. Keeps
 * every line it prints (the secrets check reads them) and exposes its HTTP origin.
 */
export class AppProcess {
  /** Every stdout and stderr line, in arrival order per stream. */
  readonly lines: string[] = [];
  readonly exited: Promise<Exit>;
  private partial = { stdout: "", stderr: "" };

  private constructor(
    readonly name: AppName,
    readonly child: ChildProcess,
    /** Receiver: its HTTP origin; worker: its metrics origin. */
    readonly origin: string,
  ) {
    alive.add(child);
    this.exited = once(child, "exit").then(([code, signal]) => {
      alive.delete(child);
      this.flushPartial();
      return { code: code as number | null, signal: signal as NodeJS.Signals | null };
    });
    for (const stream of ["stdout", "stderr"] as const) {
      child[stream]?.on("data", (chunk: Buffer) => this.collect(stream, chunk.toString("utf8")));
    }
  }

  static async start(name: AppName, options: AppProcessOptions): Promise<AppProcess> {
    const port = await freePort();
    const portEnv =
      name === "receiver"
        ? { PORT: String(port), HOST: "127.0.0.1" }
        : { METRICS_PORT: String(port), METRICS_HOST: "127.0.0.1" };
    const preloads = (options.preload ?? []).flatMap((module) => ["--import", module]);
    const child = spawn(process.execPath, ["--import", "tsx", ...preloads, MAIN[name]], {
      cwd: REPO_ROOT,
      env: {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? "/tmp",
        NODE_ENV: "production",
        LOG_LEVEL: "info",
        ...options.env,
        ...portEnv,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const app = new AppProcess(name, child, `http://127.0.0.1:${port}`);
    if (options.waitReady !== false) {
      try {
        await app.waitUntilReady(options.readyTimeoutMs ?? 30_000);
      } catch (error) {
        await app.kill();
        throw error;
      }
    }
    return app;
  }

  get pid(): number {
    return this.child.pid!;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Polls `/readyz` until it answers 200. */
  async waitUntilReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.running) throw new Error(`${this.name} exited before it was ready:\n${this.tail()}`);
      if ((await this.probe("/readyz")) === 200) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`${this.name} was not ready within ${timeoutMs} ms:\n${this.tail()}`);
  }

  /** Status of GET `path`, or 0 when nothing answered within the timeout. */
  async probe(path: string, timeoutMs = 2_000): Promise<number> {
    try {
      const res = await fetch(`${this.origin}${path}`, { signal: AbortSignal.timeout(timeoutMs) });
      await res.arrayBuffer();
      return res.status;
    } catch {
      return 0;
    }
  }

  signal(signal: NodeJS.Signals): void {
    if (this.running) this.child.kill(signal);
  }

  /** SIGTERM and wait for the exit (SIGKILL after `graceMs`, reported as such). */
  async stop(graceMs = 20_000): Promise<Exit> {
    if (this.running) {
      this.child.kill("SIGTERM");
      const timer = setTimeout(() => this.child.kill("SIGKILL"), graceMs);
      const exit = await this.exited;
      clearTimeout(timer);
      return exit;
    }
    return this.exited;
  }

  /** SIGKILL: no shutdown code runs, like a crashed host or an OOM kill. */
  async kill(): Promise<Exit> {
    if (this.running) this.child.kill("SIGKILL");
    return this.exited;
  }

  /** The last lines printed, for failure messages. */
  tail(count = 30): string {
    return this.lines.slice(-count).join("\n");
  }

  /** Parsed JSON log lines (pino); lines that are not JSON are skipped. */
  logRecords(): Record<string, unknown>[] {
    const records: Record<string, unknown>[] = [];
    for (const line of this.lines) {
      if (!line.startsWith("{")) continue;
      try {
        records.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // a line cut by the kill
      }
    }
    return records;
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
