// Imported: Node 20's global `performance` is an accessor, a getter call on every read.
import { performance } from "node:perf_hooks";
import type { Database } from "@orderhook/db";
import { createDeliveryReader, createDeliveryWriter } from "@orderhook/deliveries";
import { isOrderhookError } from "@orderhook/errors";
import { createClientAddress, createKeyedRateLimiter, requestIdOf, resolveRequestId } from "@orderhook/http";
import { type OrderQueue, type QueueShards, queueShards, type RedisClient } from "@orderhook/queue";
import { type Context, Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { createAcceptAlertHandler } from "./accept-alert";
import { createAdmission } from "./admission";
import type { AppEnv, RequestLog } from "./app-env";
import { createAuthenticator } from "./authenticate";
import type { CredentialCache } from "./credential-cache";
import { createGetOrderHandler } from "./get-order";
import { createListDeliveriesHandler } from "./list-deliveries";
import { createOrderStatusReader } from "./order-status";
import { ClientAbortedError } from "./read-body";
import { createRecordDelivery } from "./record-delivery";
import { requestHeader } from "./request-header";
import { jsonResponse, problemResponse } from "./respond";

export interface RequestRecord {
  method: string;
  /** Route pattern, never the concrete path: the token stays out of logs and labels. */
  route: string;
  status: number;
  durationMs: number;
  requestId: string;
  outcome: string;
}

export interface RateLimitSetting {
  perSecond: number;
  burst: number;
}

export interface AppDeps {
  /** BullMQ's connection (order status, readiness, the dashboard). */
  redis: RedisClient;
  /** The admission-and-enqueue script's auto-pipelined connection; `redis` when not given. */
  admissionRedis?: RedisClient;
  /** Shard 0's queue (the only one unless `shards` says otherwise). */
  queue: OrderQueue;
  /** QUEUE_SHARDS: the shards and one queue per shard prefix (`queues[0]` is `queue`). */
  shards?: { shards: QueueShards; queues: readonly OrderQueue[] };
  /** REDIS_WAIT_REPLICAS and REDIS_WAIT_TIMEOUT_MS (default 0: no WAIT). */
  waitReplicas?: number;
  waitTimeoutMs?: number;
  db: Database;
  credentials: CredentialCache;
  /** Proxies in front whose X-Forwarded-For entries are trusted (TRUST_PROXY); 0: the socket's address. */
  trustedProxyHops?: number;
  /** Invalid-token answers per client address, then 429 (absent: no limit). */
  authFailureLimit?: RateLimitSetting;
  /**
   * Refused or repeated requests per webhook, order reads that find nothing per user, and reads of
   * the deliveries log per user (absent: no limit).
   */
  refusalLimit?: RateLimitSetting;
  prefix: string;
  bodyLimitBytes: number;
  defaultRatePerSecond: number;
  idempotencyTtlSeconds: number;
  /** Body-hash dedup window of webhooks that set none (0: off). */
  dedupWindowMs: number;
  /**
   * The deliveries log's bounds: entries kept per webhook (0: nothing is logged) and their max
   * age. Absent: the defaults (1,000 entries, 7 days).
   */
  deliveryLog?: { maxEntries: number; maxAgeMs: number };
  /** A deliveries log entry could not be written (counted; the request's answer is unaffected). */
  onDeliveryLogError?: (error: unknown) => void;
  now?: () => number;
  isShuttingDown?: () => boolean;
  /** One call per request, after the response is built (logs and metrics). */
  onRequest?: (record: RequestRecord) => void;
  onEnqueued?: (durationMs: number) => void;
  onError?: (error: unknown, requestId: string) => void;
}

const DEFAULT_DELIVERY_LOG = { maxEntries: 1_000, maxAgeMs: 7 * 86_400_000 };

function methodNotAllowed(allow: string) {
  return (c: Context<AppEnv>) =>
    problemResponse("method_not_allowed", c.get("requestId"), {
      detail: `Use ${allow} on this path.`,
      headers: { allow },
    });
}

/** The receiver's HTTP app; no environment, no listening — main.ts does that. */
export function createApp(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const admissionRedis = deps.admissionRedis ?? deps.redis;
  const { shards, queues } = deps.shards ?? { shards: queueShards(deps.prefix, 1), queues: [deps.queue] };
  const deliveryLog = deps.deliveryLog ?? DEFAULT_DELIVERY_LOG;
  const logging = deliveryLog.maxEntries > 0;
  const admission = createAdmission(admissionRedis, queues, {
    prefix: deps.prefix,
    shards,
    idempotencyTtlMs: deps.idempotencyTtlSeconds * 1000,
    waitReplicas: deps.waitReplicas,
    waitTimeoutMs: deps.waitTimeoutMs,
    deliveryLog,
  });
  // One reader for order reads and replays, so both share its memory of final statuses.
  const readOrderStatus = createOrderStatusReader(deps.db, queues, shards);
  const { onRequest, authFailureLimit, refusalLimit } = deps;
  const clientAddress = createClientAddress(deps.trustedProxyHops ?? 0);
  const authenticator = createAuthenticator({
    credentials: deps.credentials,
    clientAddress,
    failuresPerAddress: authFailureLimit && createKeyedRateLimiter(authFailureLimit),
  });

  // Only the webhook route sets the context's `webhook`, so only its requests are logged.
  const recordDelivery = logging
    ? createRecordDelivery({
        writer: createDeliveryWriter(admissionRedis, {
          prefix: shards,
          ...deliveryLog,
          onError: deps.onDeliveryLogError,
        }),
        clientAddress,
        now: deps.now,
      })
    : undefined;

  /**
   * Each route's handler runs inside `request`, which does what a request middleware would: the
   * request id, the timing, the deliveries log's entry of a refusal (`recordDelivery`) and the
   * request's record, once the answer (or the error handler's) is built. Not an `app.use`
   * middleware: with one, every request went through Hono's compose (an async dispatch per
   * middleware and per handler); a path with one matching handler is called directly, so each
   * path is one handler, its methods told apart in it.
   */
  function request(
    handler: (c: Context<AppEnv>) => Response | Promise<Response>,
    // No route matched: the label a catch-all middleware's records had.
    notFoundRoute?: string,
  ) {
    return async function requestContext(c: Context<AppEnv>): Promise<Response> {
      const start = performance.now();
      const requestId = requestIdOf(
        requestHeader(c, "x-request-id"),
        requestHeader(c, "x-railway-request-id"),
      );
      c.set("requestId", requestId);
      const log: RequestLog | undefined =
        recordDelivery === undefined
          ? undefined
          : { startedAt: start, webhook: undefined, body: undefined, orderId: undefined, logged: false };
      if (log !== undefined) c.set("log", log);
      let res: Response;
      try {
        res = await handler(c);
      } catch (error) {
        // As Hono's compose: anything but an Error goes to Hono's own handler.
        if (!(error instanceof Error)) throw error;
        c.error = error;
        res = await onError(error, c);
      }
      c.res = res;
      if (log !== undefined) recordDelivery?.(c, log);
      // Responses carry X-Request-Id from where they are built: reading c.res.headers here would
      // turn @hono/node-server's plain header object into a Headers instance on every request.
      onRequest?.({
        method: c.req.method,
        route: notFoundRoute ?? c.req.routePath,
        status: res.status,
        durationMs: performance.now() - start,
        requestId,
        outcome: c.get("outcome") ?? String(res.status),
      });
      return res;
    };
  }

  const acceptAlert = createAcceptAlertHandler({
    authenticator,
    admission,
    readOrderStatus,
    refusalsPerWebhook: refusalLimit && createKeyedRateLimiter(refusalLimit),
    bodyLimitBytes: deps.bodyLimitBytes,
    defaultRatePerSecond: deps.defaultRatePerSecond,
    dedupWindowMs: deps.dedupWindowMs,
    now: deps.now,
    onEnqueued: deps.onEnqueued,
    deliveryLog: logging ? { clientAddress } : undefined,
  });
  const postOnly = methodNotAllowed("POST");
  app.all(
    "/v1/webhooks/:token",
    request((c) => (c.req.method === "POST" ? acceptAlert(c) : postOnly(c))),
  );

  app.get(
    "/v1/orders/:orderId",
    request(
      createGetOrderHandler({
        authenticator,
        readOrderStatus,
        missesPerUser: refusalLimit && createKeyedRateLimiter(refusalLimit),
      }),
    ),
  );
  app.all("/v1/orders/:orderId", request(methodNotAllowed("GET")));

  app.get(
    "/v1/deliveries",
    request(
      createListDeliveriesHandler({
        authenticator,
        reader: createDeliveryReader({
          redis: deps.redis,
          db: deps.db,
          prefix: shards,
          maxAgeMs: deliveryLog.maxAgeMs,
          now: deps.now,
        }),
        readsPerUser: refusalLimit && createKeyedRateLimiter(refusalLimit),
      }),
    ),
  );
  app.all("/v1/deliveries", request(methodNotAllowed("GET")));

  app.get(
    "/healthz",
    request((c) => jsonResponse(200, { status: "ok" }, c.get("requestId"))),
  );
  app.get(
    "/readyz",
    request(async (c) => {
      const requestId = c.get("requestId");
      if (deps.isShuttingDown?.()) {
        return problemResponse("unavailable", requestId, { detail: "Shutting down." });
      }
      try {
        const connections = [...new Set([deps.redis, admissionRedis])];
        for (const connection of connections) {
          if (connection.status !== "ready") throw new Error(`redis connection is ${connection.status}`);
        }
        await Promise.all(connections.map((connection) => connection.ping()));
        await Promise.all(queues.map((queue) => queue.waitUntilReady()));
        return jsonResponse(200, { status: "ready" }, requestId);
      } catch {
        // The cause (host names, error text) is for the logs, which the connections' error handlers fill.
        return problemResponse("unavailable", requestId, {
          detail: "Redis is not usable.",
          headers: { "retry-after": "1" },
        });
      }
    }),
  );

  app.notFound(
    request(
      (c) =>
        problemResponse("not_found", c.get("requestId"), {
          detail: `No route for ${c.req.method} ${c.req.path}.`.replace(
            /\/v1\/webhooks\/[^/\s]+/,
            "/v1/webhooks/…",
          ),
        }),
      "*",
    ),
  );

  app.onError(onError);

  return app;

  function onError(error: Error, c: Context<AppEnv>): Response {
    const requestId = c.get("requestId") ?? resolveRequestId(c.req.raw.headers);
    if (isOrderhookError(error)) {
      c.set("outcome", error.code);
      return problemResponse(error.code, requestId, {
        detail: error.message,
        errors: error.errors,
        headers: error.retryAfter === undefined ? undefined : { "retry-after": String(error.retryAfter) },
      });
    }
    if (error instanceof ClientAbortedError) {
      // Nobody reads this answer; 499 (nginx's "client closed request") keeps it out of the 5xx.
      c.set("outcome", "client_aborted");
      return new Response(null, { status: 499, headers: { "x-request-id": requestId } });
    }
    if (error instanceof HTTPException) {
      const response = error.getResponse();
      response.headers.set("x-request-id", requestId);
      return response;
    }
    deps.onError?.(error, requestId);
    c.set("outcome", "internal");
    return problemResponse("internal", requestId, { detail: "Something went wrong on our side." });
  }
}
