import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import type { NodeBindings } from "./node-env";

export interface RunningServer {
  port: number;
  /** Stops accepting, lets in-flight requests finish (cut off after `timeoutMs`), resolves when closed. */
  close(timeoutMs: number): Promise<void>;
}

export interface ServerTimeouts {
  /** Request headers must be complete within this (slow-header clients get 408 and are closed). */
  headersTimeoutMs: number;
  /** The whole request, body included, within this (slow-body clients likewise). */
  requestTimeoutMs: number;
  /** How often Node sweeps for connections past those bounds: the cut-off comes up to this late. */
  connectionsCheckingIntervalMs: number;
  /** Idle keep-alive connections stay open this long. */
  keepAliveTimeoutMs: number;
}

export const defaultServerTimeouts: ServerTimeouts = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  connectionsCheckingIntervalMs: 1_000,
  // Above the 60 s idle timeout common to proxies and load balancers, so the proxy always
  // closes an idle connection first and never sends a request into our close (a 502).
  keepAliveTimeoutMs: 65_000,
};

/** Anything with a fetch handler that reads Node's bindings: a Hono app of any environment. */
export interface FetchApp {
  fetch: (request: Request, env: NodeBindings) => Response | Promise<Response>;
}

/** Serves `app` with @hono/node-server on Node's HTTP server, with the given bounds on slow clients. */
export function startServer(
  app: FetchApp,
  options: { port: number; hostname: string; timeouts?: ServerTimeouts },
): Promise<RunningServer> {
  const timeouts = options.timeouts ?? defaultServerTimeouts;
  return new Promise((resolve, reject) => {
    const server = serve(
      {
        // An HTTP/1 server: its bindings are always Node's IncomingMessage and ServerResponse.
        fetch: app.fetch as Parameters<typeof serve>[0]["fetch"],
        port: options.port,
        hostname: options.hostname,
        // Given at creation: set afterwards as properties, the header bound stays Node's 60 s and
        // the sweep that enforces both bounds keeps running every 30 s.
        serverOptions: {
          headersTimeout: timeouts.headersTimeoutMs,
          requestTimeout: timeouts.requestTimeoutMs,
          connectionsCheckingInterval: timeouts.connectionsCheckingIntervalMs,
          // The header bound only runs while a request is being received, not between keep-alive
          // requests, so it may be shorter than this without cutting idle connections.
          keepAliveTimeout: timeouts.keepAliveTimeoutMs,
        },
      },
      (info: AddressInfo) => {
        resolve({
          port: info.port,
          close: (timeoutMs) =>
            new Promise<void>((done) => {
              const force = setTimeout(() => server.closeAllConnections(), timeoutMs);
              force.unref();
              // Keep-alive connections with no request in flight would hold close() open, and so
              // would those whose last response (a long request, an event stream) ends after it.
              const sweep = setInterval(() => server.closeIdleConnections(), 100);
              sweep.unref();
              server.close(() => {
                clearTimeout(force);
                clearInterval(sweep);
                done();
              });
              server.closeIdleConnections();
            }),
        });
      },
    ) as Server;
    server.once("error", reject);
  });
}
