import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppProcess } from "./app-process";
import { freePort } from "./redis-server";

let dir: string;
let entry: string;
const started: AppProcess[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "orderhook-app-process-"));
  entry = join(dir, "main.mjs");
  await writeFile(
    entry,
    [
      'if (process.env.FAIL_AT_START === "1") { console.error("cannot start"); process.exit(3); }',
      // The handler comes before the ready line: the parent may signal as soon as it reads it.
      'process.once("SIGTERM", () => { console.log("draining"); process.exit(0); });',
      'console.log("listening as", process.env.NAME);',
      "if (process.env.HTTP_PORT) {",
      '  const { createServer } = await import("node:http");',
      '  createServer((_, res) => res.end("ok")).listen(Number(process.env.HTTP_PORT), "127.0.0.1");',
      "}",
      "let ticks = 0;",
      'setInterval(() => console.log("tick " + ++ticks), 10);',
    ].join("\n"),
  );
});

afterAll(async () => {
  for (const app of started) await app.kill();
  await rm(dir, { recursive: true, force: true });
});

async function start(env: Record<string, string> = {}) {
  const app = await AppProcess.start({ entry, env: { NAME: "test", ...env }, readyWhen: /listening as/ });
  started.push(app);
  return app;
}

describe("AppProcess", () => {
  it("starts the entry point with exactly the given environment and waits until it is ready", async () => {
    const app = await start({ NAME: "receiver-1" });
    expect(app.output).toContain("listening as receiver-1");
    expect(app.running).toBe(true);
  });

  it("can wait for a readiness probe instead of a log line", async () => {
    const port = await freePort();
    const app = await AppProcess.start({
      entry,
      env: { NAME: "probed", HTTP_PORT: String(port) },
      readyWhen: async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).ok,
    });
    started.push(app);
    expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe("ok");
  });

  it("reports a clean exit after SIGTERM and the signal after SIGKILL", async () => {
    const graceful = await start();
    expect(await graceful.kill("SIGTERM")).toEqual({ code: 0, signal: null });
    expect(graceful.output).toContain("draining");

    const killed = await start();
    expect(await killed.kill()).toEqual({ code: null, signal: "SIGKILL" });
  });

  it("keeps every line, the last ones before the exit included, and stop() waits for the exit", async () => {
    const app = await start();
    expect(await app.stop()).toEqual({ code: 0, signal: null });
    expect(app.lines[0]).toBe("listening as test");
    expect(app.lines.at(-1)).toBe("draining");
  });

  it("freezes the process until thawed", async () => {
    const app = await start();
    await app.waitForOutput(/tick 2\n/);
    app.freeze();
    // Output already in the pipe may still arrive; after that, nothing while frozen.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const frozenAt = app.output.length;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(app.output.length, app.output.slice(-200)).toBe(frozenAt);
    app.thaw();
    await app.waitForOutput(new RegExp(`[\\s\\S]{${frozenAt}}[\\s\\S]*tick`));
  });

  it("rejects with the output when the process exits before it is ready", async () => {
    await expect(start({ FAIL_AT_START: "1" })).rejects.toThrow(/process exited before .*\n.*cannot start/);
  });

  it("waits out an expected failed start and keeps its exit status and every line", async () => {
    const app = await AppProcess.startExpectingFailure({
      entry,
      env: { NAME: "doomed", FAIL_AT_START: "1" },
      readyWhen: /listening as/,
    });
    expect(await app.exited).toEqual({ code: 3, signal: null });
    expect(app.output).toBe("cannot start");
  });

  it("refuses an expected failed start that became ready, and stops the process", async () => {
    await expect(
      AppProcess.startExpectingFailure({ entry, env: { NAME: "healthy" }, readyWhen: /listening as/ }),
    ).rejects.toThrow(/expected a failed start, but it became ready:\n.*listening as healthy/);
  });

  it("keeps only the last maxLines lines when asked to", async () => {
    const app = await AppProcess.start({
      entry,
      env: { NAME: "short" },
      readyWhen: /tick 30\n/,
      maxLines: 5,
    });
    started.push(app);
    expect(app.lines.length).toBeLessThanOrEqual(5);
    expect(app.output).not.toContain("listening as");
  });
});
