import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { trackChild } from "../targets/child-registry";
import type { GeneratorReply } from "./load-generator";
import type { LoadResult, LoadSpec } from "./load-spec";

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
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const onMessage = (reply: GeneratorReply) => {
        if (reply.id !== id) return;
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
