import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { trackChild } from "./child-registry";

export interface ServiceSpec {
  name: string;
  /** Arguments to node: flags, then the script. */
  nodeArgs: string[];
  env: Record<string, string>;
  /** Polled until it answers 200; null for a process without an HTTP endpoint. */
  readyUrl: string | null;
  startTimeoutMs?: number;
}

export interface ServiceProcess {
  name: string;
  child: ChildProcess;
  /** The last lines the process printed, for error messages. */
  output(): string;
  /** SIGTERM, then SIGKILL after the grace period. */
  stop(graceMs?: number): Promise<void>;
}

const OUTPUT_LIMIT = 8_192;

export async function startService(spec: ServiceSpec): Promise<ServiceProcess> {
  const child = spawn(process.execPath, spec.nodeArgs, {
    env: { ...process.env, ...spec.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  trackChild(child);
  let output = "";
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-OUTPUT_LIMIT);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));

  const service: ServiceProcess = {
    name: spec.name,
    child,
    output: () => output,
    async stop(graceMs = 5_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
  if (spec.readyUrl) {
    try {
      await waitReady(spec.readyUrl, exited, spec.startTimeoutMs ?? 20_000);
    } catch (error) {
      await service.stop(0);
      throw new Error(`${spec.name} did not become ready: ${(error as Error).message}\n${output}`);
    }
  }
  return service;
}

async function waitReady(url: string, exited: Promise<number | null>, timeoutMs: number): Promise<void> {
  let exitCode: number | null | undefined;
  void exited.then((code) => {
    exitCode = code;
  });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exitCode !== undefined) throw new Error(`exited with code ${exitCode}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      await res.arrayBuffer();
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${url} not ready within ${timeoutMs} ms`);
}

/** A port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject()));
    });
  });
}
