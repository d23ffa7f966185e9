import { z } from "zod";
import { appFields, dbPoolMax, deliveryLogFields, processFields, publicUrl, shutdownTimeout } from "./common";
import { booleanString, integer, optionalSecret, port, trustProxy, weakPasswordReason } from "./fields";
import { checkRedisScale } from "./redis-scale";

export const receiverEnvSchema = z
  .object({
    ...processFields,
    ...deliveryLogFields,
    ...appFields,
    PORT: port(3000).describe("The receiver's HTTP port (Railway sets it)."),
    HOST: z.string().trim().min(1).default("::").describe("Listen address; `::` takes IPv6 and IPv4."),
    PUBLIC_URL: publicUrl,
    WEB_CONCURRENCY: integer(1, { min: 1, max: 64 }).describe(
      "Receiver processes sharing `PORT` (node:cluster), each with its own Redis and Postgres connections; " +
        "1 runs one process and no supervisor. About one per core: Node serves requests on one core per process.",
    ),
    DB_POOL_MAX: dbPoolMax(5),
    BODY_LIMIT_BYTES: integer(65_536, { min: 256, max: 10_485_760 }).describe(
      "Largest accepted request body (Content-Length or chunked); a larger one gets 413 before it is buffered.",
    ),
    RATE_LIMIT_PER_SECOND: integer(10, { min: 1, max: 1_000_000 }).describe(
      "Alerts per second per user when the user has no limit of its own (`user create --rate-limit`).",
    ),
    IDEMPOTENCY_TTL_SECONDS: integer(86_400, { min: 1, max: 7 * 86_400 }).describe(
      "How long explicit idempotency keys (header or body) are remembered.",
    ),
    DEDUP_WINDOW_MS: integer(1_000, { min: 1, max: 3_600_000 }).describe(
      "Alerts without a key are deduplicated by body hash within this window, per webhook.",
    ),
    JOB_BACKOFF_MS: integer(1_000, { min: 1, max: 600_000 }).describe(
      "Base delay of the exponential backoff (with jitter) between a job's attempts.",
    ),
    REDIS_TIMEOUT_MS: integer(1_000, { min: 10, max: 60_000 }).describe(
      "Longest Redis wait in a request; past it the answer is 503 `unavailable`.",
    ),
    REDIS_WAIT_REPLICAS: integer(0, { min: 0, max: 16 }).describe(
      "Replicas that must hold an alert's job before its 202: after the admission script the same " +
        "connection sends `WAIT`; fewer in time is 503 `unavailable` (the sender's retry is an " +
        "idempotent replay). 0: no WAIT (replication stays asynchronous; see docs/redis-cluster.md).",
    ),
    REDIS_WAIT_TIMEOUT_MS: integer(250, { min: 1, max: 60_000 }).describe(
      "How long that `WAIT` waits for the replicas; below `REDIS_TIMEOUT_MS`.",
    ),
    CREDENTIAL_CACHE_TTL_MS: integer(5_000, { min: 0, max: 3_600_000 }).describe(
      "How long credentials are served from memory before a refresh from Postgres (revocations are pushed at once; this is the fallback).",
    ),
    CREDENTIAL_RECONCILE_INTERVAL_MS: integer(60_000, { min: 1_000, max: 86_400_000 }).describe(
      "The set of active token hashes is reloaded from Postgres this often (events keep it current in between).",
    ),
    CREDENTIAL_LOAD_CONCURRENCY: integer(16, { min: 1, max: 1_000 }).describe(
      "Credential queries (cache misses of known tokens) running at once, at most; past it, 503.",
    ),
    CREDENTIAL_LOAD_TIMEOUT_MS: integer(2_000, { min: 10, max: 60_000 }).describe(
      "How long a request waits for a credential query; past it, 503.",
    ),
    TRUST_PROXY: trustProxy.describe(
      "Proxies in front whose `X-Forwarded-For` entries name the client (Railway's edge: `true`); unset, the socket's address is the client.",
    ),
    AUTH_FAILURE_LIMIT_PER_SECOND: integer(10, { min: 1, max: 1_000_000 }).describe(
      "Invalid-token answers (401) per client address and second; past it and the burst, 429.",
    ),
    AUTH_FAILURE_BURST: integer(30, { min: 1, max: 1_000_000 }).describe(
      "Invalid-token answers a client address may get at once before that rate applies.",
    ),
    REFUSAL_LIMIT_PER_SECOND: integer(10, { min: 1, max: 1_000_000 }).describe(
      "Refused or repeated requests per webhook, order reads that find nothing per user, and reads of `GET /v1/deliveries` per user, per second; past it and the burst, 429 (for alerts: before the body is read).",
    ),
    REFUSAL_BURST: integer(30, { min: 1, max: 1_000_000 }).describe(
      "Refusals a webhook (or missed reads a user) may have at once before that rate applies.",
    ),
    SHUTDOWN_TIMEOUT_MS: shutdownTimeout(10_000),
    HTTP_HEADERS_TIMEOUT_MS: integer(10_000, { min: 100, max: 600_000 }).describe(
      "A client must finish sending its request headers within this (slowloris: 408, then closed); at most `HTTP_REQUEST_TIMEOUT_MS`.",
    ),
    HTTP_REQUEST_TIMEOUT_MS: integer(30_000, { min: 100, max: 600_000 }).describe(
      "…and its whole request, body included, within this.",
    ),
    HTTP_CONNECTIONS_CHECK_INTERVAL_MS: integer(1_000, { min: 10, max: 60_000 }).describe(
      "How often Node looks for connections past those two bounds (a cut-off comes up to this late).",
    ),
    HTTP_KEEP_ALIVE_TIMEOUT_MS: integer(65_000, { min: 0, max: 600_000 }).describe(
      "Idle keep-alive connections stay open this long: above the 60 s idle timeout of common proxies, so the proxy closes first and never races our close into a 502.",
    ),
    ADMIN_PORT: port(9465).describe(
      "The private admin listener for `/metrics` and the queue dashboard (`0`: any free port, logged at start).",
    ),
    ADMIN_HOST: z
      .string()
      .trim()
      .min(1)
      .default("127.0.0.1")
      .describe(
        "The admin listener's address: loopback unless told; `::` on Railway (IPv6 private network) and in compose.",
      ),
    BULL_BOARD_USER: optionalSecret.describe(
      "With `BULL_BOARD_PASSWORD`: the read-only queue dashboard (Bull Board) at `/admin/queues` on the admin listener, behind basic auth; off when unset.",
    ),
    BULL_BOARD_PASSWORD: optionalSecret.describe(
      "The dashboard's password, set with `BULL_BOARD_USER`: at least 16 characters, 10 of them different, from two of letters, digits and others (`openssl rand -base64 24`).",
    ),
    BULL_BOARD_READ_ONLY: booleanString
      .default(true)
      .describe(
        "The dashboard only looks; `false` lets it retry, edit, clean and empty jobs (that is, forge or drop orders).",
      ),
    METRICS_ENABLED: booleanString.default(true).describe("Serve `/metrics` on the admin listener."),
  })
  .refine((env) => env.HTTP_HEADERS_TIMEOUT_MS <= env.HTTP_REQUEST_TIMEOUT_MS, {
    // Node refuses a server whose header bound exceeds its request bound.
    path: ["HTTP_HEADERS_TIMEOUT_MS"],
    message: "must not exceed HTTP_REQUEST_TIMEOUT_MS",
  })
  .refine((env) => env.REDIS_WAIT_REPLICAS === 0 || env.REDIS_WAIT_TIMEOUT_MS < env.REDIS_TIMEOUT_MS, {
    path: ["REDIS_WAIT_TIMEOUT_MS"],
    message: "must be below REDIS_TIMEOUT_MS",
  })
  .superRefine(checkRedisScale)
  .superRefine((env, ctx) => {
    const user = env.BULL_BOARD_USER;
    const password = env.BULL_BOARD_PASSWORD;
    if (user !== undefined && password === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["BULL_BOARD_PASSWORD"],
        message: "must be set with BULL_BOARD_USER",
      });
    } else if (password !== undefined && user === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["BULL_BOARD_USER"],
        message: "must be set with BULL_BOARD_PASSWORD",
      });
    } else if (password !== undefined) {
      const weak = weakPasswordReason(password);
      if (weak !== null) ctx.addIssue({ code: "custom", path: ["BULL_BOARD_PASSWORD"], message: weak });
    }
  });

export type ReceiverEnv = z.infer<typeof receiverEnvSchema>;
