import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";

export interface AppProcessOptions {
  /** Absolute path of the entry point, e.g. `apps/worker/src/main.ts` (run through tsx). */
  entry: string;
  /** The whole environment of the child: nothing leaks in from the test process but PATH. */
  env: Record<string, string>;
  /**
   * When `start()` resolves: once the output matches (e.g. /listening/), or once the probe
   * resolves true (e.g. `/readyz` answers 200; apps with buffered logs need this).
   */
  readyWhen: RegExp | (() => Promise<boolean>);
  readyTimeoutMs?: number;
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Children still running when the test process exits are killed, so none outlive a crashed run. */
const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

/**
 * A real orderhook process (receiver, worker, CLI) for fault tests: started from its entry
 * point with an explicit environment, killed with any signal, its output kept for assertions.
 */
export class AppProcess {
  private log = "";
  private readonly exit: Promise<ExitStatus>;

  private constructor(private readonly child: ChildProcess) {
    running.add(child);
    const collect = (data: Buffer) => {
      this.log = (this.log + data.toString()).slice(-200_000);
    };
    child.stdout?.on("data", collect);
    child.stderr?.on("data", collect);
    this.exit = once(child, "exit").then(([code, signal]) => {
      running.delete(child);
      return { code, signal } as ExitStatus;
    });
  }

  static async start(options: AppProcessOptions): Promise<AppProcess> {
    const child = spawn(process.execPath, ["--import", "tsx", options.entry], {
      env: { PATH: process.env.PATH ?? "", ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const app = new AppProcess(child);
    const timeoutMs = options.readyTimeoutMs ?? 30_000;
    try {
      if (options.readyWhen instanceof RegExp) await app.waitForOutput(options.readyWhen, timeoutMs);
      else await app.waitFor(options.readyWhen, timeoutMs);
    } catch (error) {
      await app.kill();
      throw error;
    }
    return app;
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Everything the process wrote to stdout and stderr so far (the last 200 kB). */
  get output(): string {
    return this.log;
  }

  get exited(): Promise<ExitStatus> {
    return this.exit;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Resolves when the output matches; rejects if the process exits first or the time runs out. */
  waitForOutput(pattern: RegExp, timeoutMs = 30_000): Promise<void> {
    return this.waitFor(async () => pattern.test(this.log), timeoutMs, String(pattern));
  }

  /** Resolves when `probe` resolves true (a throwing probe counts as false). */
  async waitFor(probe: () => Promise<boolean>, timeoutMs = 30_000, what = "readiness"): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await probe().catch(() => false))) {
      if (!this.running) throw new Error(`process exited before ${what}:\n${this.log.slice(-4_000)}`);
      if (Date.now() > deadline)
        throw new Error(`no ${what} within ${timeoutMs} ms:\n${this.log.slice(-4_000)}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  /** Sends `signal` (SIGKILL by default) and waits for the process to exit. */
  async kill(signal: NodeJS.Signals = "SIGKILL"): Promise<ExitStatus> {
    if (this.running) this.child.kill(signal);
    return this.exit;
  }

  /** SIGSTOP / SIGCONT: a process whose event loop is frozen, as a blocked or swapped-out one. */
  freeze(): void {
    this.child.kill("SIGSTOP");
  }

  thaw(): void {
    this.child.kill("SIGCONT");
  }
}
