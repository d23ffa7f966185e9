import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, posix } from "node:path";
import { findMigrationsFolder } from "@orderhook/db";
import { validate } from "dockerfile-utils";
import { afterAll, describe, expect, it } from "vitest";
import {
  copiedPaths,
  dockerignore,
  effective,
  execForm,
  lineage,
  parseDockerfile,
  readRepoFile,
  stage,
} from "./repo-files";

const text = readRepoFile("Dockerfile");
const dockerfile = parseDockerfile(text);
const packageJson = JSON.parse(readRepoFile("package.json")) as { packageManager: string };

const apps = [
  { target: "receiver", filter: "@orderhook/receiver", portVariable: "PORT", port: "3000" },
  { target: "worker", filter: "@orderhook/worker", portVariable: "METRICS_PORT", port: "9464" },
  { target: "console", filter: "@orderhook/console", portVariable: "CONSOLE_PORT", port: "3001" },
] as const;

function runs(stageName: string): string[] {
  return stage(dockerfile, stageName)
    .instructions.filter((i) => i.keyword === "RUN")
    .map((i) => i.args);
}

describe("Dockerfile", () => {
  it("passes the Dockerfile language service's validation without a diagnostic", () => {
    expect(validate(text)).toEqual([]);
  });

  it("has receiver, worker, console and migrate targets built on node:24-slim", () => {
    for (const target of ["receiver", "worker", "console", "migrate"]) {
      const root = lineage(dockerfile, target).at(-1);
      expect(root?.from, `${target} descends from`).toBe("node:24-slim");
    }
  });

  it("copies only from stages it defines", () => {
    const names = new Set(dockerfile.stages.map((s) => s.name));
    for (const s of dockerfile.stages) {
      for (const copy of s.instructions.filter((i) => i.keyword === "COPY" && i.flags.from)) {
        expect(names, `${s.name}: COPY --from=${copy.flags.from}`).toContain(copy.flags.from);
      }
    }
  });

  it("installs the pnpm that package.json pins, from the frozen lockfile", () => {
    const pinned = packageJson.packageManager.replace(/^pnpm@/, "");
    const build = lineage(dockerfile, "build").flatMap((s) =>
      s.instructions.filter((i) => i.keyword === "RUN").map((i) => i.args),
    );
    expect(build.join("\n")).toContain(`pnpm@${pinned}`);
    expect(runs("build")).toContain("pnpm install --frozen-lockfile --offline");
    expect(runs("build")).toContain("pnpm build");
  });

  it("deploys each app with production dependencies only, in pnpm 10's legacy mode", () => {
    const deploys = runs("build").join("\n");
    for (const filter of [
      "@orderhook/receiver",
      "@orderhook/worker",
      "@orderhook/console",
      "@orderhook/cli",
    ]) {
      expect(deploys).toMatch(new RegExp(`pnpm --filter ${filter} deploy --prod --legacy\\b`));
    }
  });

  it.each(apps)("runs the $target as node dist/main.js, not through npm or a shell", ({ target }) => {
    expect(execForm(effective(dockerfile, target, "CMD"))).toEqual(["node", "dist/main.js"]);
    expect(effective(dockerfile, target, "ENTRYPOINT")).toBeUndefined();
  });

  it("runs migrations as the migrate image's default command", () => {
    expect(execForm(effective(dockerfile, "migrate", "CMD"))).toEqual([
      "node",
      "dist/main.js",
      "db",
      "migrate",
    ]);
  });

  it.each(["receiver", "worker", "console", "migrate"])(
    "runs the %s image as an unprivileged user",
    (target) => {
      const user = effective(dockerfile, target, "USER")?.args;
      expect(user).toBeDefined();
      expect(["root", "0", "0:0"]).not.toContain(user);
    },
  );

  it.each(apps)(
    "health-checks the $target with node on /healthz at $portVariable",
    ({ target, portVariable, port }) => {
      const check = execForm(effective(dockerfile, target, "HEALTHCHECK"));
      expect(check?.[0]).toBe("node");
      const script = check?.join(" ") ?? "";
      expect(script).toContain(`process.env.${portVariable}||${port}`);
      expect(script).toContain("/healthz");
    },
  );

  it.each(apps)("puts the $target's deployed output at the working directory", ({ target }) => {
    const landed = copiedPaths(dockerfile, target);
    expect(landed.get(`build:/out/${target}`)).toBe(effective(dockerfile, target, "WORKDIR")?.args);
  });

  it.each(["migrate", "receiver", "worker", "console"])(
    "lets the CLI in the %s image find drizzle/",
    (target) => {
      // Rebuild the image's layout on disk and ask the real findMigrationsFolder.
      const landed = copiedPaths(dockerfile, target);
      const drizzle = landed.get("build:/repo/drizzle");
      const cli = landed.get("build:/out/cli");
      expect(drizzle, "drizzle/ is copied into the image").toBeDefined();
      expect(cli, "the CLI is copied into the image").toBeDefined();
      const root = mkdtempSync(join(tmpdir(), "orderhook-image-"));
      cleanups.push(root);
      mkdirSync(join(root, drizzle ?? "", "meta"), { recursive: true });
      writeFileSync(join(root, drizzle ?? "", "meta", "_journal.json"), "{}");
      const dist = join(root, posix.join(cli ?? "", "dist"));
      mkdirSync(dist, { recursive: true });
      expect(findMigrationsFolder(dist)).toBe(join(root, drizzle ?? ""));
    },
  );

  it("copies the admin CLI into the app images where Railway's pre-deploy step runs it", () => {
    for (const target of ["receiver", "worker", "console"]) {
      expect(copiedPaths(dockerfile, target).get("build:/out/cli")).toBe("/app/cli");
    }
  });

  it("ends with the stage Railway builds: the image named by ORDERHOOK_APP, receiver by default", () => {
    expect(dockerfile.stages.at(-1)?.from).toMatch(/^\$\{ORDERHOOK_APP\}$/);
    expect(dockerfile.globalArgs.ORDERHOOK_APP).toBe("receiver");
  });
});

describe(".dockerignore", () => {
  const isExcluded = dockerignore(readRepoFile(".dockerignore"));

  it("keeps host node_modules, build output, secrets and git history out of the build context", () => {
    for (const path of [
      "node_modules/.pnpm/x",
      "apps/receiver/node_modules/hono/package.json",
      "apps/receiver/dist/main.js",
      "apps/console/test-output/01-webhooks.png",
      ".env",
      ".env.local",
      ".git/HEAD",
    ]) {
      expect(isExcluded(path), path).toBe(true);
    }
  });

  it("keeps everything the build reads in the context", () => {
    for (const path of [
      "pnpm-lock.yaml",
      "pnpm-workspace.yaml",
      "package.json",
      "apps/receiver/src/main.ts",
      "apps/receiver/package.json",
      "tsup.config.ts",
      "packages/queue/src/commands/takeJobs-11.lua",
      "apps/console/src/static/console.js",
      "apps/console/src/static/console.css",
      "packages/db/src/index.ts",
      "drizzle/meta/_journal.json",
      "drizzle/0000_init.sql",
      ".env.example",
    ]) {
      expect(isExcluded(path), path).toBe(false);
    }
  });
});

const cleanups: string[] = [];
afterAll(() => {
  for (const dir of cleanups) rmSync(dir, { recursive: true, force: true });
});
