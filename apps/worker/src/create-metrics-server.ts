import { createServer, type Server } from "node:http";
import type { Registry } from "prom-client";

export interface MetricsServerDeps {
  onError?: (error: unknown) => void;
  registry: Registry;
  /** True when the worker can take jobs (Redis and Postgres answer). */
  ready: () => Promise<boolean>;
  /** A probe that takes longer answers 503: the worker's Redis commands wait for a reconnect forever. */
  readyTimeoutMs?: number;
}

function withTimeout(check: Promise<boolean>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  return Promise.race([check, timeout]).finally(() => clearTimeout(timer));
}

/**
 * `/metrics`, `/healthz` and `/readyz` on the worker's own port; nothing else listens in a worker.
 * Not a public port: compose only `expose`s it and Railway gives the worker no domain; still, no
 * answer carries internals (error text, hosts) — those go to the log.
 */
export function createMetricsServer(deps: MetricsServerDeps): Server {
  return createServer(async function metricsHandler(req, res) {
    const path = (req.url ?? "/").split("?")[0];
    try {
      if (req.method !== "GET") {
        res.writeHead(405, { allow: "GET" }).end();
      } else if (path === "/metrics") {
        const body = await deps.registry.metrics();
        res.writeHead(200, { "content-type": deps.registry.contentType }).end(body);
      } else if (path === "/healthz") {
        res.writeHead(200, { "content-type": "application/json" }).end('{"status":"ok"}');
      } else if (path === "/readyz") {
        const ok = await withTimeout(deps.ready(), deps.readyTimeoutMs ?? 2_000).catch(() => false);
        res
          .writeHead(ok ? 200 : 503, { "content-type": "application/json" })
          .end(ok ? '{"status":"ready"}' : '{"status":"unavailable"}');
      } else {
        res.writeHead(404).end();
      }
    } catch (error) {
      deps.onError?.(error);
      res.writeHead(500, { "content-type": "application/json" }).end('{"status":"error"}');
    }
  });
}
