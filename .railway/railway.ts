// Railway infrastructure as code: `railway config plan` / `railway config apply` (Railway CLI
// 5.42.1 or newer, Node 22.6 or newer). The CLI runs this file with Node's type stripping, so it
// stays plain erasable TypeScript that imports nothing but "railway/iac".
import { defineRailway, github, postgres, preserve, project, redis, service } from "railway/iac";

/** Must match the image layout in the root Dockerfile (the admin CLI is copied to /app/cli). */
const MIGRATE = "node /app/cli/dist/main.js db migrate";
const START = "node /app/dist/main.js";

// Railway SIGKILLs a draining deployment after drainingSeconds, so each stays above the app's
// own SHUTDOWN_TIMEOUT_MS: the process finishes in-flight work and exits 0 before the kill.
const RECEIVER_SHUTDOWN_TIMEOUT_MS = 10_000;
const WORKER_SHUTDOWN_TIMEOUT_MS = 25_000;
const CONSOLE_SHUTDOWN_TIMEOUT_MS = 5_000;

/** A positive whole number from the planning shell's environment, else `fallback`. */
function count(name: string, fallback: number): number {
  const value = process.env[name];
  if (value === undefined || value === "") return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`${name}: expected a positive whole number, got ${value}`);
  return n;
}

export default defineRailway((ctx) => {
  const production = ctx.isEnvironment("production");

  // Scaling (docs/scaling.md), set in the shell that runs `railway config plan/apply`:
  // ORDERHOOK_RECEIVER_REPLICAS and ORDERHOOK_WORKER_REPLICAS (default 2 in production, else 1);
  // ORDERHOOK_WEB_CONCURRENCY, receiver processes per replica (default 1; about one per vCPU).
  const receiverReplicas = count("ORDERHOOK_RECEIVER_REPLICAS", production ? 2 : 1);
  const workerReplicas = count("ORDERHOOK_WORKER_REPLICAS", production ? 2 : 1);
  const webConcurrency = count("ORDERHOOK_WEB_CONCURRENCY", 1);

  const db = postgres("postgres");
  const queue = redis("redis");

  // Set ORDERHOOK_REPO=owner/name (and optionally ORDERHOOK_BRANCH) when planning to build from
  // GitHub on every push; without it the services have no source and `railway up` deploys.
  const repo = process.env.ORDERHOOK_REPO;
  const source = repo ? github(repo, { branch: process.env.ORDERHOOK_BRANCH ?? "main" }) : undefined;

  const shared = {
    NODE_ENV: "production",
    LOG_LEVEL: "info",
    QUEUE_PREFIX: "orderhook",
    // Private-network references (IPv6 *.railway.internal hosts): the Redis client connects
    // with family 0 and Postgres resolves AAAA records, so both work unchanged.
    DATABASE_URL: db.env.DATABASE_URL,
    REDIS_URL: queue.env.REDIS_URL,
  };

  /**
   * What both app services share: the one Dockerfile (its stage picked by ORDERHOOK_APP), the
   * migrations before each deploy (a worker deployed alone never meets an older schema; they run
   * under an advisory lock, so two pre-deploy steps never overlap), /readyz, restarts, and a
   * draining time a little longer than the app's own shutdown timeout.
   */
  const appService = (shutdownTimeoutMs: number) => ({
    ...(source ? { source } : {}),
    build: { builder: "DOCKERFILE" as const, dockerfilePath: "Dockerfile" },
    start: START,
    preDeploy: MIGRATE,
    healthcheck: "/readyz",
    healthcheckTimeout: 120,
    deploy: {
      restartPolicyType: "ON_FAILURE" as const,
      restartPolicyMaxRetries: 10,
      drainingSeconds: shutdownTimeoutMs / 1000 + 5,
    },
  });

  const receiver = service("receiver", {
    ...appService(RECEIVER_SHUTDOWN_TIMEOUT_MS),
    replicas: receiverReplicas,
    networking: { serviceDomains: { default: { port: 3000 } } },
    env: {
      ...shared,
      // Build arg: selects the Dockerfile's receiver stage.
      ORDERHOOK_APP: "receiver",
      PORT: "3000",
      // "::" accepts IPv4 and IPv6, so the public edge and the IPv6 private network both reach it.
      HOST: "::",
      // /metrics and the dashboard on a port the public domain does not route to, reachable over
      // the IPv6 private network (receiver.railway.internal:9465) only.
      ADMIN_PORT: "9465",
      ADMIN_HOST: "::",
      // Railway's edge appends the client's address to X-Forwarded-For: one trusted hop, so the
      // per-address limit on invalid tokens counts clients, not the edge.
      TRUST_PROXY: "1",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Railway's own reference syntax, resolved by Railway.
      PUBLIC_URL: "https://${{RAILWAY_PUBLIC_DOMAIN}}",
      SHUTDOWN_TIMEOUT_MS: String(RECEIVER_SHUTDOWN_TIMEOUT_MS),
      // Receiver processes per replica on one port (a supervisor restarts a crashed one).
      WEB_CONCURRENCY: String(webConcurrency),
      // Bull Board (read-only) stays off until an operator sets both in the dashboard; apply keeps
      // them. The password must be strong (16+ characters) or the receiver refuses to start.
      BULL_BOARD_USER: preserve(),
      BULL_BOARD_PASSWORD: preserve(),
    },
  });

  // Workers scale by replicas: each is an independent consumer of the same queue.
  const worker = service("worker", {
    ...appService(WORKER_SHUTDOWN_TIMEOUT_MS),
    replicas: workerReplicas,
    env: {
      ...shared,
      ORDERHOOK_APP: "worker",
      METRICS_PORT: "9464",
      METRICS_HOST: "::",
      // Railway health-checks the port in PORT; the worker serves /readyz on METRICS_PORT.
      PORT: "9464",
      SHUTDOWN_TIMEOUT_MS: String(WORKER_SHUTDOWN_TIMEOUT_MS),
    },
  });

  // The web console: its own public domain, sign-in with a webhook URL or the operator password.
  const webConsole = service("console", {
    ...appService(CONSOLE_SHUTDOWN_TIMEOUT_MS),
    // One replica is plenty for a few people's pages; more work (sessions are signed cookies and
    // the live updates are per replica), but the sign-in limit then counts per replica.
    replicas: 1,
    networking: { serviceDomains: { default: { port: 3001 } } },
    env: {
      ...shared,
      ORDERHOOK_APP: "console",
      CONSOLE_PORT: "3001",
      CONSOLE_HOST: "::",
      // Railway health-checks the port in PORT.
      PORT: "3001",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Railway's own reference syntax, resolved by Railway.
      CONSOLE_PUBLIC_URL: "https://${{RAILWAY_PUBLIC_DOMAIN}}",
      // Test alerts reach the receiver over the private network; the URLs users see are its public ones.
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Railway's own reference syntax, resolved by Railway.
      CONSOLE_RECEIVER_URL: "http://${{receiver.RAILWAY_PRIVATE_DOMAIN}}:3000",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Railway's own reference syntax, resolved by Railway.
      PUBLIC_URL: "https://${{receiver.RAILWAY_PUBLIC_DOMAIN}}",
      // Railway's edge appends the client's address: the sign-in limit counts clients, not the edge.
      TRUST_PROXY: "1",
      SHUTDOWN_TIMEOUT_MS: String(CONSOLE_SHUTDOWN_TIMEOUT_MS),
      // Set both in the dashboard before the first deploy; apply keeps them. Without the secret the
      // console refuses to start (it signs the session cookies); without the password there is no
      // operator sign-in.
      CONSOLE_SESSION_SECRET: preserve(),
      CONSOLE_ADMIN_PASSWORD: preserve(),
    },
  });

  return project("orderhook", { resources: [db, queue, receiver, worker, webConsole] });
});
