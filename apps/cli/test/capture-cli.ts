import { testDatabaseUrl, testRedisUrl, uniquePrefix } from "@orderhook/testing";
import { runCli } from "../src/run-cli";

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON (for `--json` runs). */
  json<T = Record<string, unknown>>(): T;
}

/** Test helper: runs the CLI in-process against the run's database and a queue prefix of its own. */
export function cliRunner(defaults: Record<string, string> = {}) {
  const env = {
    DATABASE_URL: testDatabaseUrl(),
    REDIS_URL: testRedisUrl(),
    QUEUE_PREFIX: uniquePrefix("cli"),
    ...defaults,
  };
  const run = async (argv: string[], extraEnv: Record<string, string> = {}): Promise<CliRun> => {
    let stdout = "";
    let stderr = "";
    const code = await runCli(argv, {
      env: { ...env, ...extraEnv },
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: (text: string) => (stderr += text) },
    });
    return {
      code,
      stdout,
      stderr,
      json<T>() {
        try {
          return JSON.parse(stdout) as T;
        } catch {
          throw new Error(`stdout is not JSON: ${stdout}\nstderr: ${stderr}`);
        }
      },
    };
  };
  return { env, run };
}
