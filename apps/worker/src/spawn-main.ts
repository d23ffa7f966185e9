import { type ChildProcess, spawn } from "node:child_process";

export interface SpawnedMain {
  child: ChildProcess;
  /** The last few KB of stdout and stderr, for assertion messages. */
  output(): string;
  exited(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Runs an app's `main.ts` through tsx as its own process, configured by environment only (test support). */
export function spawnMain(mainPath: string, env: Record<string, string>): SpawnedMain {
  let output = "";
  const child = spawn(process.execPath, ["--import", "tsx", mainPath], {
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const append = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-64_000);
  };
  child.stdout?.on("data", append);
  child.stderr?.on("data", append);
  // "close", not "exit": only then has every line the process wrote been read.
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("close", (code, signal) => resolve({ code, signal })),
  );
  return { child, output: () => output.slice(-4_000), exited: () => exit };
}
