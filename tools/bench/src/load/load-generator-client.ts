import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { trackChild } from "../targets/child-registry";
import type { BurstHooks } from "./burst-release";
import type { GeneratorReply } from "./load-generator";
import type { BurstLoadResult, BurstSpec, LoadResult, LoadSpec } from "./load-spec";

const GENERATOR_PATH = fileURLToPath(new URL("./load-generator.ts", import.meta.url));

/** The parent's handle on the forked load generator: one phase at a time. */
export class LoadGeneratorClient {
  private readonly child: ChildProcess;
  private nextId = 0;

  constructor() {
    // fork() reuses this process's execArgv, so the tsx loader that runs the bench runs the generator too.
    this.child = fork(GENERATOR_PATH, [], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
    trackChild(this.child);
  }

  run(spec: LoadSpec): Promise<LoadResult> {
    return this.exchange(spec) as Promise<LoadResult>;
  }

  /**
   * A burst: `hooks.ready` runs in this process once the generator's connections are warm, and
   * the generator releases the burst when it resolves; `hooks.answered` when the last answer is in.
   */
  runBurst(spec: BurstSpec, hooks: BurstHooks): Promise<BurstLoadResult> {
    return this.exchange(spec, hooks) as Promise<BurstLoadResult>;
  }

  private exchange(spec: LoadSpec | BurstSpec, hooks?: BurstHooks): Promise<LoadResult | BurstLoadResult> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const onMessage = (reply: GeneratorReply) => {
        if (reply.id !== id) return;
        if ("stage" in reply) {
          if (reply.stage === "answered") hooks?.answered();
          else if (hooks) {
            hooks.ready().then(
              () => this.child.send({ id, go: true }),
              (error: unknown) => {
                cleanup();
                reject(error);
              },
            );
          } else this.child.send({ id, go: true });
          return;
        }
        cleanup();
        if ("error" in reply) reject(new Error(`load generator: ${reply.error}`));
        else resolve(reply.result);
      };
      const onExit = (code: number | null) => {
        cleanup();
        reject(new Error(`load generator exited with ${code}`));
      };
      const cleanup = () => {
        this.child.off("message", onMessage);
        this.child.off("exit", onExit);
      };
      this.child.on("message", onMessage);
      this.child.on("exit", onExit);
      this.child.send({ id, spec });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  close(): void {
    if (this.child.connected) this.child.disconnect();
  }
}
