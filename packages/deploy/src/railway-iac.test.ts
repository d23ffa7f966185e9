import { join } from "node:path";
import { consoleEnvSchema, parseEnv, receiverEnvSchema, workerEnvSchema } from "@orderhook/config";
import { createRailwayContext, project, type ServiceNode, type VariableValue } from "railway/iac";
import { parse as parseToml } from "smol-toml";
import ts from "typescript";
import { afterEach, describe, expect, it } from "vitest";
import program from "../../../.railway/railway";
import { parseDockerfile, readRepoFile, repoRoot } from "./repo-files";

const iacFile = join(repoRoot, ".railway", "railway.ts");

/** Runs the file the way `railway config plan` does: default export, context, project factory. */
async function evaluate(environment: string) {
  const definition = await program(createRailwayContext({ environment, command: "plan" }), project);
  // The CLI reads the definition back as JSON; anything that does not survive that is lost.
  return JSON.parse(JSON.stringify(definition)) as {
    name: string;
    resources: (ServiceNode | { address: string; type: string; engine?: string })[];
  };
}

async function serviceNode(environment: string, name: string): Promise<ServiceNode> {
  const found = (await evaluate(environment)).resources.find((r) => r.address === `service.${name}`);
  if (!found) throw new Error(`.railway/railway.ts declares no service "${name}"`);
  return found as ServiceNode;
}

/** Variables as the app will see them, with references resolved to Railway-shaped values. */
function resolvedEnv(node: ServiceNode): Record<string, string> {
  const outputs: Record<string, string> = {
    "database.postgres:DATABASE_URL": "postgresql://postgres:secret@postgres.railway.internal:5432/railway",
    "database.redis:REDIS_URL": "redis://default:secret@redis.railway.internal:6379",
  };
  const env: Record<string, string> = {};
  // Railway's own variables, of this service or (`receiver.`) another one.
  const provided: Record<string, string> = {
    RAILWAY_PUBLIC_DOMAIN: `${node.address.replace("service.", "")}-production.up.railway.app`,
    "receiver.RAILWAY_PUBLIC_DOMAIN": "receiver-production.up.railway.app",
    "receiver.RAILWAY_PRIVATE_DOMAIN": "receiver.railway.internal",
  };
  for (const [name, value] of Object.entries(node.variables ?? {}) as [string, VariableValue][]) {
    if (value.type === "literal" && value.value != null) {
      env[name] = value.value.replace(
        /\$\{\{([\w.]+)\}\}/g,
        (whole, reference: string) => provided[reference] ?? whole,
      );
    }
    if (value.type === "reference") env[name] = outputs[`${value.resource}:${value.output}`] ?? "";
  }
  return env;
}

const PLAN_VARIABLES = [
  "ORDERHOOK_REPO",
  "ORDERHOOK_RECEIVER_REPLICAS",
  "ORDERHOOK_WORKER_REPLICAS",
  "ORDERHOOK_WEB_CONCURRENCY",
];
afterEach(() => {
  for (const name of PLAN_VARIABLES) delete process.env[name];
});

describe(".railway/railway.ts", () => {
  it("declares Postgres, Redis, the receiver, the worker and the console", async () => {
    const definition = await evaluate("production");
    expect(definition.name).toBe("orderhook");
    expect(definition.resources.map((r) => r.address).sort()).toEqual([
      "database.postgres",
      "database.redis",
      "service.console",
      "service.receiver",
      "service.worker",
    ]);
  });

  it.each(["receiver", "worker", "console"])(
    "wires the %s to Postgres and Redis by reference",
    async (name) => {
      const variables = (await serviceNode("production", name)).variables ?? {};
      expect(variables.DATABASE_URL).toEqual({
        type: "reference",
        resource: "database.postgres",
        output: "DATABASE_URL",
      });
      expect(variables.REDIS_URL).toEqual({
        type: "reference",
        resource: "database.redis",
        output: "REDIS_URL",
      });
    },
  );

  it("exposes the receiver on a public domain and health-checks /readyz", async () => {
    const receiver = await serviceNode("production", "receiver");
    expect(Object.values(receiver.networking?.serviceDomains ?? {})).toEqual([{ port: 3000 }]);
    expect(receiver.deploy?.healthcheckPath).toBe("/readyz");
    expect(resolvedEnv(receiver).PORT).toBe("3000");
    expect(resolvedEnv(receiver).HOST).toBe("::");
  });

  it("serves the receiver's metrics and dashboard on the IPv6 private network only, and trusts one proxy hop", async () => {
    const receiver = await serviceNode("production", "receiver");
    const env = parseEnv(receiverEnvSchema, resolvedEnv(receiver));
    expect(env.ADMIN_HOST).toBe("::");
    expect(env.ADMIN_PORT).not.toBe(env.PORT);
    const routed = Object.values(receiver.networking?.serviceDomains ?? {}).map((d) => d?.port);
    expect(routed, "the public domain routes to the admin port").not.toContain(env.ADMIN_PORT);
    expect(env.TRUST_PROXY).toBe(1);
    expect(env.BULL_BOARD_READ_ONLY).toBe(true);
  });

  it("keeps the worker private and points Railway's health check at its metrics port", async () => {
    const worker = await serviceNode("production", "worker");
    expect(worker.networking?.serviceDomains ?? {}).toEqual({});
    expect(worker.networking?.customDomains ?? {}).toEqual({});
    expect(worker.networking?.tcpProxies ?? {}).toEqual({});
    expect(worker.deploy?.healthcheckPath).toBe("/readyz");
    expect(resolvedEnv(worker).PORT).toBe(resolvedEnv(worker).METRICS_PORT);
  });

  it("exposes the console on a public domain of its own, sends test alerts over the private network and needs its secret set", async () => {
    const node = await serviceNode("production", "console");
    expect(Object.values(node.networking?.serviceDomains ?? {})).toEqual([{ port: 3001 }]);
    expect(node.deploy?.healthcheckPath).toBe("/readyz");
    const raw = resolvedEnv(node);
    expect(raw.PORT).toBe(raw.CONSOLE_PORT);
    // preserve(): set in the dashboard; the console refuses to start in production without it.
    expect(node.variables?.CONSOLE_SESSION_SECRET).toEqual({ type: "preserve" });
    expect(node.variables?.CONSOLE_ADMIN_PASSWORD).toEqual({ type: "preserve" });
    const env = parseEnv(consoleEnvSchema, {
      ...raw,
      CONSOLE_SESSION_SECRET: "kT3+vX9qLm2/Rw8zNc5Yb1Hd6Jf0Ps4G",
    });
    expect(env.CONSOLE_PORT).toBe(3001);
    expect(env.CONSOLE_HOST).toBe("::");
    expect(env.CONSOLE_PUBLIC_URL).toBe("https://console-production.up.railway.app");
    expect(env.CONSOLE_RECEIVER_URL).toBe("http://receiver.railway.internal:3000");
    expect(env.PUBLIC_URL).toBe("https://receiver-production.up.railway.app");
    expect(env.TRUST_PROXY).toBe(1);
    expect(env.NODE_ENV).toBe("production");
    expect(() => parseEnv(consoleEnvSchema, raw)).toThrow(/CONSOLE_SESSION_SECRET/);
    expect((node.deploy?.drainingSeconds ?? 0) * 1000).toBeGreaterThan(env.SHUTDOWN_TIMEOUT_MS);
  });

  it("runs replicas of both services in production and one of each elsewhere", async () => {
    for (const name of ["receiver", "worker"]) {
      expect((await serviceNode("production", name)).deploy?.numReplicas, name).toBeGreaterThanOrEqual(2);
      expect((await serviceNode("staging", name)).deploy?.numReplicas, name).toBe(1);
    }
  });

  it("runs one receiver process per replica unless told, and scales replicas and processes from the planning shell", async () => {
    const receiver = await serviceNode("production", "receiver");
    expect(parseEnv(receiverEnvSchema, resolvedEnv(receiver)).WEB_CONCURRENCY).toBe(1);
    process.env.ORDERHOOK_RECEIVER_REPLICAS = "3";
    process.env.ORDERHOOK_WORKER_REPLICAS = "5";
    process.env.ORDERHOOK_WEB_CONCURRENCY = "4";
    const scaled = await serviceNode("staging", "receiver");
    expect(scaled.deploy?.numReplicas).toBe(3);
    expect(parseEnv(receiverEnvSchema, resolvedEnv(scaled)).WEB_CONCURRENCY).toBe(4);
    expect((await serviceNode("staging", "worker")).deploy?.numReplicas).toBe(5);
    process.env.ORDERHOOK_WORKER_REPLICAS = "0";
    await expect(evaluate("production")).rejects.toThrow(/ORDERHOOK_WORKER_REPLICAS/);
  });

  it("migrates before deploying, with the same command as railway.toml", async () => {
    const toml = parseToml(readRepoFile("railway.toml")) as { deploy: Record<string, unknown> };
    for (const name of ["receiver", "worker", "console"]) {
      const node = await serviceNode("production", name);
      expect(node.deploy?.preDeployCommand, name).toEqual(toml.deploy.preDeployCommand);
      expect(node.deploy?.startCommand, name).toBe(toml.deploy.startCommand);
      expect(node.build, name).toEqual({ builder: "DOCKERFILE", dockerfilePath: "Dockerfile" });
      expect(node.deploy?.restartPolicyType, name).toBe(toml.deploy.restartPolicyType);
    }
  });

  it("drains each service longer than the SHUTDOWN_TIMEOUT_MS it is given", async () => {
    const receiver = await serviceNode("production", "receiver");
    const worker = await serviceNode("production", "worker");
    const receiverTimeout = parseEnv(receiverEnvSchema, resolvedEnv(receiver)).SHUTDOWN_TIMEOUT_MS;
    const workerTimeout = parseEnv(workerEnvSchema, resolvedEnv(worker)).SHUTDOWN_TIMEOUT_MS;
    expect((receiver.deploy?.drainingSeconds ?? 0) * 1000).toBeGreaterThan(receiverTimeout);
    expect((worker.deploy?.drainingSeconds ?? 0) * 1000).toBeGreaterThan(workerTimeout);
  });

  it("gives each service variables its app's schema accepts", async () => {
    const receiver = parseEnv(receiverEnvSchema, resolvedEnv(await serviceNode("production", "receiver")));
    const worker = parseEnv(workerEnvSchema, resolvedEnv(await serviceNode("production", "worker")));
    expect(receiver.PUBLIC_URL).toBe("https://receiver-production.up.railway.app");
    expect(receiver.NODE_ENV).toBe("production");
    expect(worker.METRICS_PORT).toBe(9464);
  });

  it("selects each service's Dockerfile stage through the ORDERHOOK_APP build arg", async () => {
    const dockerfile = parseDockerfile(readRepoFile("Dockerfile"));
    expect(dockerfile.stages.at(-1)?.from).toMatch(/^\$\{ORDERHOOK_APP\}$/);
    for (const name of ["receiver", "worker", "console"]) {
      const app = resolvedEnv(await serviceNode("production", name)).ORDERHOOK_APP;
      expect(app, name).toBe(name);
      expect(dockerfile.stages.map((s) => s.name)).toContain(app);
    }
  });

  it("builds from GitHub when ORDERHOOK_REPO names the repository, and has no source otherwise", async () => {
    expect((await serviceNode("production", "receiver")).source).toBeUndefined();
    process.env.ORDERHOOK_REPO = "acme/orderhook";
    const receiver = await serviceNode("production", "receiver");
    expect(receiver.source).toMatchObject({ type: "github", repo: "acme/orderhook", branch: "main" });
    expect((await serviceNode("production", "worker")).source).toMatchObject({ repo: "acme/orderhook" });
  });

  it("stays loadable by Node's type stripping, which the Railway CLI evaluates it with", () => {
    const source = ts.createSourceFile(
      iacFile,
      readRepoFile(".railway/railway.ts"),
      ts.ScriptTarget.ES2023,
      true,
    );
    const imports = source.statements
      .filter(ts.isImportDeclaration)
      .map((s) => (s.moduleSpecifier as ts.StringLiteral).text);
    // Relative imports would need explicit .ts extensions and workspace packages are not built JS.
    expect(imports).toEqual(["railway/iac"]);
    const checked = ts.createProgram([iacFile], {
      erasableSyntaxOnly: true,
      noEmit: true,
      strict: true,
      skipLibCheck: true,
      target: ts.ScriptTarget.ES2023,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      types: ["node"],
    });
    const file = checked.getSourceFile(iacFile);
    const diagnostics = [
      ...checked.getSyntacticDiagnostics(file),
      ...checked.getSemanticDiagnostics(file),
    ].map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
    expect(diagnostics).toEqual([]);
  });
});
