import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";

export interface RedisServerOptions {
  /** Turn on the append-only file (default true: the fault suite tests durability). */
  appendonly?: boolean;
  /** `always` loses nothing acknowledged on kill -9; `everysec` may lose up to a second. */
  appendfsync?: "always" | "everysec" | "no";
  /** Data directory; a fresh temporary one (removed by `cleanup()`) unless given. */
  dir?: string;
  port?: number;
  /** Extra `redis-server` arguments, e.g. `["--maxmemory-policy", "allkeys-lru"]`. */
  args?: string[];
  /** How long to wait for PONG after starting. */
  startTimeoutMs?: number;
}

/** A free TCP port on 127.0.0.1 (the OS picks it; it is free again once we close it). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Servers still running when the test process exits are killed, so none outlive a crashed run. */
const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

/**
 * A throwaway `redis-server` owned by one test: kill it (-9 by default) and start it again on
 * the same port and the same AOF to see what survives. Never touches the shared Redis.
 */
export class RedisServer {
  private process: ChildProcess | undefined;
  private exited: Promise<unknown> = Promise.resolve();
  private output = "";

  private constructor(
    readonly port: number,
    readonly dir: string,
    private readonly ownsDir: boolean,
    private readonly args: string[],
    private readonly startTimeoutMs: number,
  ) {}

  static async start(options: RedisServerOptions = {}): Promise<RedisServer> {
    const dir = options.dir ?? (await mkdtemp(join(tmpdir(), "orderhook-redis-")));
    const args = [
      "--appendonly",
      options.appendonly === false ? "no" : "yes",
      "--appendfsync",
      options.appendfsync ?? "always",
      "--maxmemory-policy",
      "noeviction",
      ...(options.args ?? []),
    ];
    const server = new RedisServer(
      options.port ?? (await freePort()),
      dir,
      options.dir === undefined,
      args,
      options.startTimeoutMs ?? 10_000,
    );
    await server.restart();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.process?.pid;
  }

  get running(): boolean {
    return this.process !== undefined && this.process.exitCode === null && this.process.signalCode === null;
  }

  /** Starts the server (again) on the same port and data directory, and waits for PONG. */
  async restart(): Promise<void> {
    if (this.running) throw new Error(`redis-server on port ${this.port} is already running`);
    this.output = "";
    const child = spawn(
      "redis-server",
      [
        "--port",
        String(this.port),
        "--bind",
        "127.0.0.1",
        "--dir",
        this.dir,
        "--save",
        "",
        "--daemonize",
        "no",
        "--protected-mode",
        "no",
        ...this.args,
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    child.stdout.on("data", (data: Buffer) => {
      this.output = (this.output + data.toString()).slice(-4_000);
    });
    child.stderr.on("data", (data: Buffer) => {
      this.output = (this.output + data.toString()).slice(-4_000);
    });
    this.process = child;
    running.add(child);
    this.exited = once(child, "exit").finally(() => running.delete(child));
    await this.waitForPong();
  }

  /** Kills the process (SIGKILL by default: no shutdown, no final fsync) and waits for it to exit. */
  async kill(signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    if (!this.running) return;
    this.process!.kill(signal);
    await this.exited;
  }

  /** Stops the server and removes the data directory if this helper created it. */
  async cleanup(): Promise<void> {
    await this.kill();
    if (this.ownsDir) await rm(this.dir, { recursive: true, force: true });
  }

  private async waitForPong(): Promise<void> {
    const deadline = Date.now() + this.startTimeoutMs;
    for (;;) {
      if (!this.running) throw new Error(`redis-server exited on start:\n${this.output}`);
      const probe = new Redis(this.url, {
        lazyConnect: true,
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
        connectTimeout: 500,
      });
      probe.on("error", () => {});
      try {
        await probe.connect();
        // LOADING while the AOF is replayed; a PONG means the data is back.
        if ((await probe.ping()) === "PONG") return;
      } catch {
        if (Date.now() > deadline) {
          throw new Error(`redis-server on port ${this.port} did not answer in time:\n${this.output}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      } finally {
        probe.disconnect();
      }
    }
  }
}
