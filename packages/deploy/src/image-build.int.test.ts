import { type ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import {
  freePort,
  type ScratchDatabase,
  scratchDatabase,
  testRedisUrl,
  uniquePrefix,
} from "@orderhook/testing";
import { parse as parseToml } from "smol-toml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  copiedPaths,
  dockerignore,
  effective,
  execForm,
  parseDockerfile,
  readRepoFile,
  repoRoot,
  stage,
} from "./repo-files";

// No Docker engine here, so this replays the Dockerfile without one: the build stage's RUN lines
// (verbatim) on a copy of the build context, each image's COPY lines into a directory of its own,
// then the images' own commands. It catches what the structural tests cannot: a dependency the
// bundle leaves external but `pnpm deploy --prod` does not install, a file the build needs but
// .dockerignore drops, a path the CLI cannot find drizzle/ from.

const dockerfile = parseDockerfile(readRepoFile("Dockerfile"));
const scratch = mkdtempSync(join(tmpdir(), "orderhook-image-build-"));
const context = join(scratch, "repo");
const out = join(scratch, "out");
const databases: ScratchDatabase[] = [];

function image(target: string): string {
  return join(scratch, "images", target);
}

/** WORKDIR of the target, inside its directory. */
function workdir(target: string): string {
  return join(image(target), effective(dockerfile, target, "WORKDIR")?.args ?? "/");
}

function copyContext(): void {
  const isExcluded = dockerignore(readRepoFile(".dockerignore"));
  const files = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
    cwd: repoRoot,
    encoding: "utf8",
  })
    .split("\0")
    .filter((path) => path && !isExcluded(path) && existsSync(join(repoRoot, path)));
  for (const path of files) {
    mkdirSync(dirname(join(context, path)), { recursive: true });
    copyFileSync(join(repoRoot, path), join(context, path));
  }
}

function sh(command: string, cwd: string, env: NodeJS.ProcessEnv): string {
  const result = spawnSync("bash", ["-c", command], {
    cwd,
    env,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  const output = `${result.stdout}${result.stderr}`;
  if (result.status !== 0)
    throw new Error(`\`${command}\` exited ${result.status}:\n${output.slice(-4_000)}`);
  return output;
}

function layOut(target: string): void {
  for (const [source, destination] of copiedPaths(dockerfile, target)) {
    const [from, path = ""] = source.split(":");
    expect(from, `${target}: COPY ${source}`).toBe("build");
    const origin = path.startsWith("/out/")
      ? join(out, path.slice("/out/".length))
      : join(context, path.replace(/^\/repo\/?/, ""));
    const into = join(image(target), destination);
    mkdirSync(into, { recursive: true });
    // Hard links: the same bytes as a copy for what the process sees, without writing 100 MB per image.
    execFileSync("cp", ["-a", "--link", `${origin}/.`, into]);
  }
}

/** An image's exec-form command, run with the test's node, in the image's working directory. */
function start(
  target: string,
  argv: string[],
  env: Record<string, string>,
): ChildProcess & { log: string[] } {
  const [command, ...args] = argv;
  expect(command).toBe("node");
  const child = spawn(process.execPath, args, {
    cwd: workdir(target),
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  }) as ChildProcess & { log: string[] };
  child.log = [];
  child.stdout?.on("data", (d: Buffer) => child.log.push(d.toString()));
  child.stderr?.on("data", (d: Buffer) => child.log.push(d.toString()));
  return child;
}

function run(
  target: string,
  argv: string[],
  env: Record<string, string>,
): { status: number | null; output: string } {
  const [command, ...args] = argv;
  expect(command).toBe("node");
  const result = spawnSync(process.execPath, args, {
    cwd: workdir(target),
    env: { PATH: process.env.PATH ?? "", ...env },
    encoding: "utf8",
    timeout: 60_000,
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/** Polls the image's own HEALTHCHECK command until it exits 0. */
async function healthy(target: string, env: Record<string, string>, child: ChildProcess & { log: string[] }) {
  const check = execForm(effective(dockerfile, target, "HEALTHCHECK")) ?? [];
  const deadline = Date.now() + 90_000;
  while (run(target, check, env).status !== 0) {
    if (child.exitCode !== null) throw new Error(`${target} exited:\n${child.log.join("")}`);
    if (Date.now() > deadline) throw new Error(`${target} never became healthy:\n${child.log.join("")}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

beforeAll(() => {
  copyContext();
  const env: NodeJS.ProcessEnv = { ...process.env };
  // The build stage has no NODE_ENV; vitest's "test" must not leak into pnpm.
  delete env.NODE_ENV;
  for (const instruction of stage(dockerfile, "build").instructions) {
    if (instruction.keyword !== "RUN") continue;
    const started = Date.now();
    sh(instruction.args.replaceAll("/out/", `${out}/`), context, env);
    console.log(`RUN ${instruction.args.slice(0, 60)}: ${Date.now() - started} ms`);
  }
  for (const target of ["receiver", "worker", "console", "migrate"]) layOut(target);
}, 900_000);

afterAll(async () => {
  for (const database of databases) await database.drop();
  rmSync(scratch, { recursive: true, force: true });
}, 300_000);

describe("the Dockerfile's build, replayed without Docker", () => {
  it("gives the migrate image a default command that migrates a fresh database from /app/drizzle", () => {
    const database = scratchDatabase("img");
    databases.push(database);
    const cmd = execForm(effective(dockerfile, "migrate", "CMD")) ?? [];
    const result = run("migrate", cmd, { DATABASE_URL: database.url, NODE_ENV: "production" });
    expect(result.status, result.output).toBe(0);
    expect(result.output).toMatch(/applied\s+[1-9]/);
    expect(result.output).toContain(join(workdir("migrate"), "drizzle"));
  });

  it("starts receiver and worker from their images, carries an alert into Postgres and stops both cleanly", async () => {
    const database = scratchDatabase("img");
    databases.push(database);
    const base = {
      DATABASE_URL: database.url,
      REDIS_URL: testRedisUrl(),
      QUEUE_PREFIX: uniquePrefix("img"),
      NODE_ENV: "production",
      LOG_LEVEL: "info",
    };

    // Railway's pre-deploy step, run from the receiver image as railway.toml spells it.
    const toml = parseToml(readRepoFile("railway.toml")) as { deploy: { preDeployCommand: string[] } };
    for (const command of toml.deploy.preDeployCommand) {
      const argv = command.replaceAll("/app/", `${image("receiver")}/app/`).split(" ");
      const migrated = run("receiver", argv, base);
      expect(migrated.status, migrated.output).toBe(0);
    }

    const receiverEnv = { ...base, PORT: String(await freePort()) };
    const workerEnv = { ...base, METRICS_PORT: String(await freePort()) };
    const worker = start("worker", execForm(effective(dockerfile, "worker", "CMD")) ?? [], workerEnv);
    const receiver = start("receiver", execForm(effective(dockerfile, "receiver", "CMD")) ?? [], receiverEnv);
    try {
      await healthy("worker", workerEnv, worker);
      await healthy("receiver", receiverEnv, receiver);

      // The admin CLI the app images carry at /app/cli.
      const demo = run("receiver", ["node", "cli/dist/main.js", "demo", "--json"], base);
      expect(demo.status, demo.output).toBe(0);
      const { token } = JSON.parse(demo.output) as { token: string };

      const url = `http://127.0.0.1:${receiverEnv.PORT}`;
      const ack = await fetch(`${url}/v1/webhooks/${token}`, {
        method: "POST",
        headers: { "content-type": "text/plain" },
        body: JSON.stringify({ ticker: "AAPL", action: "buy", quantity: 3 }),
      });
      const body = await ack.text();
      expect(ack.status, body).toBe(202);
      const { orderId } = JSON.parse(body) as { orderId: string };

      let status = "queued";
      for (let i = 0; i < 120 && status !== "accepted"; i++) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        const order = await fetch(`${url}/v1/orders/${orderId}`, {
          headers: { authorization: `Bearer ${token}` },
        });
        status = ((await order.json()) as { status: string }).status;
      }
      expect(status).toBe("accepted");
    } finally {
      receiver.kill("SIGTERM");
      worker.kill("SIGTERM");
    }
    const [[receiverCode], [workerCode]] = await Promise.all([once(receiver, "exit"), once(worker, "exit")]);
    expect(receiverCode, receiver.log.join("")).toBe(0);
    expect(workerCode, worker.log.join("")).toBe(0);
  }, 240_000);

  it("starts the console from its image, migrated by its own CLI, serves its pages and stylesheet, and stops cleanly", async () => {
    const database = scratchDatabase("img");
    databases.push(database);
    const base = { DATABASE_URL: database.url, REDIS_URL: testRedisUrl(), NODE_ENV: "production" };
    const migrated = run("console", ["node", "cli/dist/main.js", "db", "migrate"], base);
    expect(migrated.status, migrated.output).toBe(0);
    const env = {
      ...base,
      QUEUE_PREFIX: uniquePrefix("img"),
      CONSOLE_PORT: String(await freePort()),
      CONSOLE_SESSION_SECRET: "kT3+vX9qLm2/Rw8zNc5Yb1Hd6Jf0Ps4G-image",
    };
    const app = start("console", execForm(effective(dockerfile, "console", "CMD")) ?? [], env);
    try {
      await healthy("console", env, app);
      const origin = `http://127.0.0.1:${env.CONSOLE_PORT}`;
      const page = await fetch(`${origin}/sign-in`);
      const html = await page.text();
      expect(page.status, html).toBe(200);
      const stylesheet = /href="(\/static\/console\.css\?v=[0-9a-f]+)"/.exec(html)?.[1];
      expect(stylesheet, html).toBeDefined();
      const css = await fetch(`${origin}${stylesheet}`);
      expect(css.status).toBe(200);
      expect(await css.text()).toContain("orderhook console");
    } finally {
      app.kill("SIGTERM");
    }
    const [code] = await once(app, "exit");
    expect(code, app.log.join("")).toBe(0);
  }, 120_000);

  it("lets the CLI in the worker image find the migrations too", () => {
    const database = scratchDatabase("img");
    databases.push(database);
    const result = run("worker", ["node", "cli/dist/main.js", "db", "migrate"], {
      DATABASE_URL: database.url,
    });
    expect(result.status, result.output).toBe(0);
    expect(result.output).toContain(join(workdir("worker"), "drizzle"));
  });
});
