import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";

const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));

/** The admin CLI's entry point, from source (what `pnpm orderhook` runs through tsx). */
export const ORDERHOOK_CLI = `${REPO_ROOT}apps/cli/src/main.ts`;

export interface OrderhookRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON (for `--json` runs); throws with both streams otherwise. */
  json<T = Record<string, unknown>>(): T;
}

/**
 * `pnpm orderhook <args>` as an operator runs it: a process of its own from the repository root,
 * with only `env` (and PATH, HOME) in its environment; resolves once it exited by itself.
 */
export function runOrderhook(
  args: string[],
  env: Record<string, string>,
  timeoutMs = 60_000,
): Promise<OrderhookRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", ORDERHOOK_CLI, ...args],
      {
        cwd: REPO_ROOT,
        env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...env },
        timeout: timeoutMs,
      },
      (error, stdout, stderr) =>
        resolve({
          code: error ? (typeof error.code === "number" ? error.code : null) : 0,
          stdout,
          stderr,
          json<T>() {
            try {
              return JSON.parse(stdout) as T;
            } catch {
              throw new Error(
                `orderhook ${args.join(" ")}: stdout is not JSON: ${stdout}\nstderr: ${stderr}`,
              );
            }
          },
        }),
    );
  });
}
