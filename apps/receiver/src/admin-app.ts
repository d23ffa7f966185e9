import { isOrderhookError } from "@orderhook/errors";
import { createClientAddress, createKeyedRateLimiter, resolveRequestId } from "@orderhook/http";
import type { OrderQueue } from "@orderhook/queue";
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import type { AppEnv } from "./app-env";
import { mountBullBoard } from "./bull-board";
import type { ReceiverMetrics } from "./receiver-metrics";
import { problemResponse } from "./respond";

export interface AdminAppDeps {
  /** Null: no /metrics (METRICS_ENABLED=false). */
  metrics: ReceiverMetrics | null;
  /** The text `/metrics` serves; this process's registry unless given (WEB_CONCURRENCY > 1: all of them). */
  renderMetrics?: () => Promise<string>;
  /** Every shard's queue, in shard order. */
  queues: readonly OrderQueue[];
  /** Null: no dashboard (BULL_BOARD_USER and BULL_BOARD_PASSWORD unset). */
  dashboard: { username: string; password: string; readOnly: boolean } | null;
  onError?: (error: unknown, requestId: string) => void;
}

/**
 * The operator surfaces — `/metrics` and the queue dashboard — as an app of their own, served
 * on the admin listener (ADMIN_HOST:ADMIN_PORT, a private network) and never on the public
 * port, where they answer 404 like any unknown path.
 */
export function createAdminApp(deps: AdminAppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use(async function requestContext(c, next) {
    c.set("requestId", resolveRequestId(c.req.raw.headers));
    await next();
  });
  const { metrics } = deps;
  if (metrics !== null) {
    const render = deps.renderMetrics ?? (() => metrics.registry.metrics());
    app.get("/metrics", async (c) =>
      c.body(await render(), 200, {
        "content-type": metrics.registry.contentType,
        "x-request-id": c.get("requestId"),
      }),
    );
  }
  if (deps.dashboard !== null) {
    mountBullBoard(app, deps.queues, {
      ...deps.dashboard,
      // 5 wrong passwords a minute per address after a first 10: a guess every 12 s at most.
      loginFailures: createKeyedRateLimiter({ perSecond: 5 / 60, burst: 10, maxKeys: 10_000 }),
      // Nothing stands between a private listener and its clients: the socket's address.
      clientAddress: createClientAddress(0),
    });
  }
  app.notFound((c) =>
    problemResponse("not_found", c.get("requestId") ?? resolveRequestId(c.req.raw.headers), {
      detail: `No route for ${c.req.method} ${c.req.path}.`,
    }),
  );
  app.onError((error, c) => {
    const requestId = c.get("requestId") ?? resolveRequestId(c.req.raw.headers);
    if (isOrderhookError(error)) {
      return problemResponse(error.code, requestId, {
        detail: error.message,
        headers: error.retryAfter === undefined ? undefined : { "retry-after": String(error.retryAfter) },
      });
    }
    if (error instanceof HTTPException) {
      const response = error.getResponse();
      response.headers.set("x-request-id", requestId);
      return response;
    }
    deps.onError?.(error, requestId);
    return problemResponse("internal", requestId, { detail: "Something went wrong on our side." });
  });
  return app;
}
