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
  profiles?: string[];
  hostname?: string;
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
const allServices = compose.services;
/** What `docker compose up` starts: the services of no profile. */
const services = Object.fromEntries(Object.entries(allServices).filter(([, s]) => s.profiles === undefined));
/** What `docker compose --profile cluster up` adds. */
const clusterServices = Object.fromEntries(
  Object.entries(allServices).filter(([, s]) => s.profiles?.includes("cluster")),
);

function service(name: string): Service {
  const found = allServices[name];
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

  it("puts every other service in the opt-in profile `cluster`", () => {
    expect(Object.keys(allServices).length).toBe(
      Object.keys(services).length + Object.keys(clusterServices).length,
    );
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

describe("docker-compose.yml, profile cluster", () => {
  const nodes = Object.keys(clusterServices).filter((name) => name.startsWith("redis-node-"));

  it("runs six Redis Cluster nodes, a one-shot cluster create, PgBouncer, a migrate and the two apps", () => {
    expect(Object.keys(clusterServices).sort()).toEqual(
      [
        ...nodes,
        "migrate-cluster",
        "pgbouncer",
        "receiver-cluster",
        "redis-cluster-init",
        "worker-cluster",
      ].sort(),
    );
    expect(nodes).toHaveLength(6);
  });

  it("runs each node cluster-enabled, announcing its own name, with the queue store's durability", () => {
    for (const name of nodes) {
      const node = service(name);
      const command = (node.command ?? []).join(" ");
      expect(node.hostname, name).toBe(name);
      expect(command, name).toContain("--cluster-enabled yes");
      expect(command, name).toContain('--cluster-announce-hostname "$$HOSTNAME"');
      expect(command, name).toContain("--cluster-preferred-endpoint-type hostname");
      expect(command, name).toContain("--appendonly yes");
      expect(command, name).toContain("--maxmemory-policy noeviction");
      expect(healthcheckCommand(name), name).toContain("redis-cli ping");
    }
  });

  it("creates 3 masters with one replica each once every node is healthy, and only once", () => {
    const init = service("redis-cluster-init");
    const script = (init.command ?? []).join(" ");
    expect(script).toContain("--cluster create");
    expect(script).toContain("--cluster-replicas 1");
    expect(script).toMatch(/for n in 1 2 3 4 5 6/);
    expect(script).toContain("cluster_state:ok");
    expect(init.restart).toBe("no");
    for (const name of nodes) expect(init.depends_on?.[name]?.condition, name).toBe("service_healthy");
  });

  it("pools Postgres with PgBouncer in transaction mode", () => {
    const pgbouncer = environment("pgbouncer");
    expect(pgbouncer.POOL_MODE).toBe("transaction");
    expect(new URL(pgbouncer.DATABASE_URL ?? "").hostname).toBe("postgres");
    expect(service("pgbouncer").expose).toEqual([pgbouncer.LISTEN_PORT]);
  });

  it("wires the apps to the cluster, 3 shards, PgBouncer in transaction mode and direct migrations", () => {
    const listen = environment("pgbouncer").LISTEN_PORT;
    const names = nodes.map((n) => `${n}:6379`);
    const receiver = parseEnv(receiverEnvSchema, environment("receiver-cluster"));
    const worker = parseEnv(workerEnvSchema, environment("worker-cluster"));
    const cli = parseEnv(cliEnvSchema, environment("migrate-cluster"));
    for (const [app, env] of [
      ["receiver-cluster", environment("receiver-cluster")],
      ["worker-cluster", environment("worker-cluster")],
      ["migrate-cluster", environment("migrate-cluster")],
    ] as const) {
      expect(env.REDIS_CLUSTER_NODES?.split(",").sort(), app).toEqual(names.sort());
      expect(env.QUEUE_SHARDS, app).toBe("3");
      expect(env.QUEUE_PREFIX, app).toMatch(/^[^{}]*\{[^{}]+\}[^{}]*$/);
    }
    for (const env of [receiver, worker, cli]) {
      expect(env.DATABASE_POOL_MODE).toBe("transaction");
      expect(new URL(env.DATABASE_URL).host).toBe(`pgbouncer:${listen}`);
    }
    expect(new URL(cli.MIGRATION_DATABASE_URL ?? "").host).toBe("postgres:5432");
    expect(receiver.WEB_CONCURRENCY).toBe(2);
    expect(receiver.QUEUE_SHARDS).toBe(3);
    expect(receiver.REDIS_CLUSTER_NODES).toHaveLength(6);
    expect(service("receiver-cluster").ports).toEqual(["3100:3000"]);
    // `--scale worker-cluster=N`: no host port, no container name.
    expect(service("worker-cluster").ports).toBeUndefined();
    expect(service("worker-cluster").container_name).toBeUndefined();
  });

  it("starts the cluster apps after the cluster exists and the migration (with the timeout default) ran", () => {
    expect(service("migrate-cluster").build?.target).toBe("migrate");
    for (const app of ["receiver-cluster", "worker-cluster"]) {
      const dependsOn = service(app).depends_on;
      expect(dependsOn?.["redis-cluster-init"]?.condition, app).toBe("service_completed_successfully");
      expect(dependsOn?.["migrate-cluster"]?.condition, app).toBe("service_completed_successfully");
      expect(dependsOn?.pgbouncer, app).toBeDefined();
      expect(service(app).build?.target, app).toBe(app.replace("-cluster", ""));
    }
  });
});
