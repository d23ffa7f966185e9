import { spawnSync } from "node:child_process";
import { createDbClient } from "@orderhook/db";
import {
  AppProcess,
  freePort,
  scratchDatabase,
  testRedisUrl,
  uniquePrefix,
  waitUntil,
} from "@orderhook/testing";
import { describe, expect, it } from "vitest";
import { readRepoFile, repoRoot } from "./repo-files";

/** The commands of the README's "### Without Docker" block, in order, comments dropped. */
function quickStartCommands(): string[] {
  const section = readRepoFile("README.md")
    .split(/^### /m)
    .find((part) => /^Without Docker/i.test(part));
  const block = section === undefined ? undefined : /```sh\n([\s\S]*?)```/.exec(section)?.[1];
  if (block === undefined) throw new Error('README.md has no "### Without Docker" section with a sh block');
  return block
    .split("\n")
    .map((line) => line.replace(/(^|\s+)#.*$/, "").trim())
    .filter((line) => line !== "");
}

/** Installing pnpm and the dependencies is what the test run already did. */
const isInstall = (command: string) => /^(npm install -g pnpm\S* && )?pnpm install$/.test(command);

function run(command: string, env: Record<string, string>) {
  const result = spawnSync("sh", ["-c", command], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...env },
    encoding: "utf8",
    timeout: 120_000,
  });
  return { code: result.status, output: `${result.stdout}${result.stderr}`, stdout: result.stdout };
}

async function ready(origin: string): Promise<boolean> {
  const res = await fetch(`${origin}/readyz`, { signal: AbortSignal.timeout(2_000) });
  await res.arrayBuffer();
  return res.status === 200;
}

describe("the README's quick start without Docker", () => {
  it("works as written from a fresh database: migrate, demo, dev, the printed curl gets 202, the worker writes the row", async () => {
    const commands = quickStartCommands();
    const steps = commands.filter((command) => !isInstall(command));
    expect(steps.slice(0, 3), commands.join("\n")).toEqual([
      "pnpm orderhook db migrate",
      "pnpm orderhook demo",
      "pnpm dev",
    ]);

    // As written, but on a database of its own (created by `db migrate`), free ports and a key prefix of its own.
    const database = scratchDatabase("quick");
    const [port, adminPort, metricsPort] = [await freePort(), await freePort(), await freePort()];
    const env = {
      DATABASE_URL: database.url,
      REDIS_URL: testRedisUrl(),
      QUEUE_PREFIX: uniquePrefix("quick"),
      PORT: String(port),
      ADMIN_PORT: String(adminPort),
      METRICS_PORT: String(metricsPort),
    };
    const db = createDbClient({ url: database.url, max: 1, applicationName: "quick-start-test" });
    let dev: AppProcess | undefined;
    let curl: string | undefined;
    let orderId: string | undefined;
    try {
      for (const command of steps) {
        if (command === "pnpm dev") {
          dev = await AppProcess.start({
            command: ["pnpm", "dev"],
            env,
            readyWhen: async () =>
              (await ready(`http://127.0.0.1:${port}`)) && (await ready(`http://127.0.0.1:${metricsPort}`)),
            readyTimeoutMs: 120_000,
          });
          expect(curl, "`pnpm orderhook demo` printed no curl").toBeDefined();
          // The curl `demo` printed, pasted into a second terminal (-w adds the status line).
          const sent = run(`${curl} -w '\\n%{http_code}\\n'`, {});
          expect(sent.stdout.trim().split("\n").at(-1), `${curl}\n${sent.output}\n${dev.tail()}`).toBe("202");
          orderId = (JSON.parse(sent.stdout.trim().split("\n")[0]!) as { orderId: string }).orderId;
          const id = orderId;
          await waitUntil(
            async () => {
              const [row] = await db.sql<{ status: string }[]>`select status from orders where id = ${id}`;
              return row?.status === "accepted" ? row : undefined;
            },
            () => `no accepted row for ${id}:\n${dev?.tail()}`,
            30_000,
          );
          continue;
        }
        const result = run(command, env);
        expect(result.code, `${command}\n${result.output}`).toBe(0);
        if (command === "pnpm orderhook demo") curl = /^curl .*$/m.exec(result.stdout)?.[0];
        if (command === "pnpm orderhook orders list") expect(result.stdout, result.output).toContain(orderId);
      }
      expect(orderId, "the quick start never sent the curl").toBeDefined();
    } finally {
      await dev?.stop(30_000);
      await db.close();
      await database.drop();
    }
  }, 300_000);
});
