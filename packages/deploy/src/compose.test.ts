import {
  cliEnvSchema,
  consoleEnvSchema,
  parseEnv,
  receiverEnvSchema,
  workerEnvSchema,
} from "@orderhook/config";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { parseDockerfile, readRepoFile } from "./repo-files";

interface Healthcheck {
  test: string[] | string;
}
interface Service {
  image?: string;
  build?: { context: string; target?: string };
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  expose?: string[];
  container_name?: string;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: Healthcheck;
  volumes?: string[];
  stop_grace_period?: string;
  restart?: string;
}
interface ComposeFile {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

const text = readRepoFile("docker-compose.yml");
// Compose supports YAML merge keys (`<<: *app-env`); the yaml package needs them switched on.
const compose = parse(text, { merge: true }) as ComposeFile;
const services = compose.services;

function service(name: string): Service {
  const found = services[name];
  if (!found) throw new Error(`docker-compose.yml has no service "${name}"`);
  return found;
}

/** Compose's `${VAR:-default}` as a fresh clone sees it: no .env, nothing exported. */
function interpolate(value: string): string {
  return value.replace(
    /\$\{(\w+)(?::?-([^}]*))?\}/g,
    (_, _name: string, fallback?: string) => fallback ?? "",
  );
}

function environment(name: string): Record<string, string> {
  return Object.fromEntries(
    Object.entries(service(name).environment ?? {}).map(([key, value]) => [key, interpolate(String(value))]),
  );
}

function seconds(duration: string | undefined): number {
  const match = /^(\d+)(ms|s|m)$/.exec(duration ?? "");
  if (!match) throw new Error(`unreadable duration ${duration}`);
  const value = Number(match[1]);
  return match[2] === "ms" ? value / 1000 : match[2] === "m" ? value * 60 : value;
}

function healthcheckCommand(name: string): string {
  const test = service(name).healthcheck?.test;
  return Array.isArray(test) ? test.join(" ") : (test ?? "");
}

describe("docker-compose.yml", () => {
  it("runs Postgres, Redis, a one-shot migrate, the receiver, the worker and the console", () => {
    expect(Object.keys(services).sort()).toEqual([
      "console",
      "migrate",
      "postgres",
      "receiver",
      "redis",
      "worker",
    ]);
  });

  it("configures Redis as a queue store: AOF on, fsync every second, never evicting", () => {
    const command = service("redis").command ?? [];
    const flag = (name: string) => command[command.indexOf(`--${name}`) + 1];
    expect(command[0]).toBe("redis-server");
    expect(flag("appendonly")).toBe("yes");
    expect(flag("appendfsync")).toBe("everysec");
    expect(flag("maxmemory-policy")).toBe("noeviction");
    expect(service("redis").image).toMatch(/^redis:7\./);
  });

  it("keeps Postgres and Redis data in named volumes", () => {
    expect(service("postgres").volumes).toContain("pgdata:/var/lib/postgresql/data");
    expect(service("redis").volumes).toContain("redisdata:/data");
    expect(Object.keys(compose.volumes ?? {}).sort()).toEqual(["pgdata", "redisdata"]);
    expect(service("postgres").image).toMatch(/^postgres:1[67]\b/);
  });

  it("health-checks Postgres with pg_isready and Redis with redis-cli ping", () => {
    expect(healthcheckCommand("postgres")).toContain("pg_isready");
    expect(healthcheckCommand("redis")).toContain("redis-cli ping");
  });

  it("health-checks the receiver on its port and the worker on its metrics port, with node", () => {
    expect(service("receiver").healthcheck?.test).toEqual(expect.arrayContaining(["CMD", "node"]));
    expect(healthcheckCommand("receiver")).toContain(`127.0.0.1:${environment("receiver").PORT}/readyz`);
    expect(service("worker").healthcheck?.test).toEqual(expect.arrayContaining(["CMD", "node"]));
    expect(healthcheckCommand("worker")).toContain(`127.0.0.1:${environment("worker").METRICS_PORT}/readyz`);
    expect(service("console").healthcheck?.test).toEqual(expect.arrayContaining(["CMD", "node"]));
    expect(healthcheckCommand("console")).toContain(
      `127.0.0.1:${environment("console").CONSOLE_PORT}/readyz`,
    );
  });

  it("publishes the console on host port 3001 and sends its test alerts to the receiver service", () => {
    const consoleEnv = parseEnv(consoleEnvSchema, environment("console"));
    expect(consoleEnv.CONSOLE_PORT).toBe(3001);
    expect(service("console").ports).toEqual(["3001:3001"]);
    const receiver = parseEnv(receiverEnvSchema, environment("receiver"));
    expect(consoleEnv.CONSOLE_RECEIVER_URL).toBe(`http://receiver:${receiver.PORT}`);
    expect(consoleEnv.CONSOLE_PUBLIC_URL).toBe("http://localhost:3001");
    // Starts from a fresh clone without a session secret: the one app not in production mode.
    expect(consoleEnv.CONSOLE_SESSION_SECRET).toBeUndefined();
    expect(consoleEnv.NODE_ENV).toBe("development");
  });

  it("publishes the receiver on host port 3000", () => {
    expect(service("receiver").ports).toEqual(["3000:3000"]);
    expect(environment("receiver").PORT).toBe("3000");
  });

  it("keeps the receiver's admin listener (metrics, dashboard) on the compose network, never published", () => {
    const receiver = parseEnv(receiverEnvSchema, environment("receiver"));
    expect(receiver.ADMIN_HOST).toBe("::");
    expect(receiver.ADMIN_PORT).not.toBe(receiver.PORT);
    expect(service("receiver").expose).toEqual([String(receiver.ADMIN_PORT)]);
    expect((service("receiver").ports ?? []).join(" ")).not.toContain(String(receiver.ADMIN_PORT));
  });

  it("lets `--scale worker=3` work: the worker has no host port and no container name", () => {
    expect(service("worker").ports).toBeUndefined();
    expect(service("worker").container_name).toBeUndefined();
  });

  it("migrates once Postgres is healthy, and starts the apps only after migrate succeeded", () => {
    expect(service("migrate").depends_on?.postgres?.condition).toBe("service_healthy");
    expect(service("migrate").restart).toBe("no");
    for (const app of ["receiver", "worker", "console"]) {
      const dependsOn = service(app).depends_on;
      expect(dependsOn?.redis?.condition, app).toBe("service_healthy");
      expect(dependsOn?.postgres?.condition, app).toBe("service_healthy");
      expect(dependsOn?.migrate?.condition, app).toBe("service_completed_successfully");
    }
  });

  it("builds each app from the Dockerfile target of the same name", () => {
    const targets = new Set(parseDockerfile(readRepoFile("Dockerfile")).stages.map((s) => s.name));
    for (const app of ["migrate", "receiver", "worker", "console"]) {
      expect(service(app).build?.context).toBe(".");
      expect(service(app).build?.target).toBe(app);
      expect(targets, app).toContain(app);
    }
  });

  it("gives each app more stop time than its own SHUTDOWN_TIMEOUT_MS", () => {
    const receiver = parseEnv(receiverEnvSchema, environment("receiver"));
    const worker = parseEnv(workerEnvSchema, environment("worker"));
    expect(seconds(service("receiver").stop_grace_period) * 1000).toBeGreaterThan(
      receiver.SHUTDOWN_TIMEOUT_MS,
    );
    expect(seconds(service("worker").stop_grace_period) * 1000).toBeGreaterThan(worker.SHUTDOWN_TIMEOUT_MS);
    const consoleEnv = parseEnv(consoleEnvSchema, environment("console"));
    expect(seconds(service("console").stop_grace_period) * 1000).toBeGreaterThan(
      consoleEnv.SHUTDOWN_TIMEOUT_MS,
    );
  });

  it("starts from a fresh clone: every interpolated variable has a default", () => {
    const bare = [...text.matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]);
    expect(bare).toEqual([]);
  });

  it("hands each app an environment its own schema accepts, wired to the compose services", () => {
    const receiver = parseEnv(receiverEnvSchema, environment("receiver"));
    const worker = parseEnv(workerEnvSchema, environment("worker"));
    const cli = parseEnv(cliEnvSchema, environment("migrate"));
    const consoleEnv = parseEnv(consoleEnvSchema, environment("console"));
    for (const env of [receiver, worker, cli, consoleEnv]) {
      expect(new URL(env.DATABASE_URL).hostname).toBe("postgres");
      expect(new URL(env.REDIS_URL).hostname).toBe("redis");
    }
    for (const env of [receiver, worker, cli]) expect(env.NODE_ENV).toBe("production");
    expect(worker.METRICS_PORT).toBe(9464);
  });

  it("logs the apps in with the credentials the Postgres service is created with", () => {
    const postgres = environment("postgres");
    const url = new URL(environment("migrate").DATABASE_URL ?? "");
    expect(decodeURIComponent(url.username)).toBe(postgres.POSTGRES_USER);
    expect(decodeURIComponent(url.password)).toBe(postgres.POSTGRES_PASSWORD);
    expect(url.pathname).toBe(`/${postgres.POSTGRES_DB}`);
  });
});
