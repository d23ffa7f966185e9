import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import type { Hono } from "hono";
import type { AppEnv } from "./app-env";

export interface RunningServer {
  port: number;
  /** Stops accepting, lets in-flight requests finish (cut off after `timeoutMs`), resolves when closed. */
  close(timeoutMs: number): Promise<void>;
}

export function startServer(
  app: Hono<AppEnv>,
  options: { port: number; hostname: string },
): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const server = serve(
      { fetch: app.fetch, port: options.port, hostname: options.hostname },
      (info: AddressInfo) => {
        resolve({
          port: info.port,
          close: (timeoutMs) =>
            new Promise<void>((done) => {
              const force = setTimeout(() => server.closeAllConnections(), timeoutMs);
              force.unref();
              server.close(() => {
                clearTimeout(force);
                done();
              });
              // Keep-alive connections with no request in flight would hold close() open.
              server.closeIdleConnections();
            }),
        });
      },
    ) as Server;
    server.once("error", reject);
    // The default 5 s keep-alive is shorter than most load balancers' idle timeout; a request racing the close gets reset.
    server.keepAliveTimeout = 65_000;
    // A sender that declares a body and never finishes it is cut off after 30 s, not Node's 5 min.
    server.requestTimeout = 30_000;
  });
}
