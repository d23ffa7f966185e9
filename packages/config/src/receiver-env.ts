import { z } from "zod";
import { appFields, databaseFields, redisFields, serviceFields, shutdownTimeout } from "./common";
import { booleanString, integer, optionalSecret, port, trustProxy, weakPasswordReason } from "./fields";

export const receiverEnvSchema = z
  .object({
    ...serviceFields,
    ...databaseFields,
    ...redisFields,
    ...appFields,
    PORT: port(3000),
    HOST: z.string().trim().min(1).default("::"),
    PUBLIC_URL: z.url({ protocol: /^https?$/, error: "expected an http(s) URL" }).optional(),
    DB_POOL_MAX: integer(5, { min: 1, max: 1000 }),
    /** Largest accepted request body; bigger ones get 413 before they are buffered. */
    BODY_LIMIT_BYTES: integer(65_536, { min: 256, max: 10_485_760 }),
    /** Default per-user rate (alerts per second) when the user has no override. */
    RATE_LIMIT_PER_SECOND: integer(10, { min: 1, max: 1_000_000 }),
    /** Explicit idempotency keys are remembered this long. */
    IDEMPOTENCY_TTL_SECONDS: integer(86_400, { min: 1, max: 7 * 86_400 }),
    /** Alerts without a key are deduplicated by body hash within this window. */
    DEDUP_WINDOW_MS: integer(1_000, { min: 1, max: 3_600_000 }),
    /** Base delay of the exponential backoff (with jitter) between a job's attempts. */
    JOB_BACKOFF_MS: integer(1_000, { min: 1, max: 600_000 }),
    /** Upper bound on any Redis wait in a request; past it the answer is 503. */
    REDIS_TIMEOUT_MS: integer(1_000, { min: 10, max: 60_000 }),
    /** How long credentials are served from memory before a refresh from Postgres. */
    CREDENTIAL_CACHE_TTL_MS: integer(5_000, { min: 0, max: 3_600_000 }),
    /** The set of active token hashes is reloaded from Postgres this often (events keep it current between). */
    CREDENTIAL_RECONCILE_INTERVAL_MS: integer(60_000, { min: 1_000, max: 86_400_000 }),
    /** Credential queries (cache misses of known tokens) running at once, at most; past it, 503. */
    CREDENTIAL_LOAD_CONCURRENCY: integer(16, { min: 1, max: 1_000 }),
    /** A request waits this long for a credential query at most; past it, 503. */
    CREDENTIAL_LOAD_TIMEOUT_MS: integer(2_000, { min: 10, max: 60_000 }),
    /** Proxies in front whose X-Forwarded-For entries name the client: false, true (1) or a count. */
    TRUST_PROXY: trustProxy,
    /** Invalid-token answers (401) per client address and second; past it (and the burst), 429. */
    AUTH_FAILURE_LIMIT_PER_SECOND: integer(10, { min: 1, max: 1_000_000 }),
    AUTH_FAILURE_BURST: integer(30, { min: 1, max: 1_000_000 }),
    /** Refused or repeated requests per webhook (and order reads that miss, per user) and second, apart from the order rate. */
    REFUSAL_LIMIT_PER_SECOND: integer(10, { min: 1, max: 1_000_000 }),
    REFUSAL_BURST: integer(30, { min: 1, max: 1_000_000 }),
    SHUTDOWN_TIMEOUT_MS: shutdownTimeout(10_000),
    /** A client must finish sending its request headers within this (slowloris: 408, then closed). */
    HTTP_HEADERS_TIMEOUT_MS: integer(10_000, { min: 100, max: 600_000 }),
    /** …and its whole request, body included, within this. */
    HTTP_REQUEST_TIMEOUT_MS: integer(30_000, { min: 100, max: 600_000 }),
    /** How often Node looks for connections past those two bounds (the cut-off comes up to this late). */
    HTTP_CONNECTIONS_CHECK_INTERVAL_MS: integer(1_000, { min: 10, max: 60_000 }),
    /** Idle keep-alive connections stay open this long: above the 60 s idle timeout of common proxies. */
    HTTP_KEEP_ALIVE_TIMEOUT_MS: integer(65_000, { min: 0, max: 600_000 }),
    /** The private listener for /metrics and the queue dashboard (0: any free port, logged at start). */
    ADMIN_PORT: port(9465),
    /** Loopback unless told: on Railway "::" (the private network is IPv6), in compose "::" (not published). */
    ADMIN_HOST: z.string().trim().min(1).default("127.0.0.1"),
    /** Bull Board on the admin listener, behind basic auth: on when both are set (the password must be strong). */
    BULL_BOARD_USER: optionalSecret,
    BULL_BOARD_PASSWORD: optionalSecret,
    /** The dashboard only looks; "false" lets it retry, edit, clean and empty (i.e. forge or drop orders). */
    BULL_BOARD_READ_ONLY: booleanString.default(true),
    METRICS_ENABLED: booleanString.default(true),
  })
  .refine((env) => env.HTTP_HEADERS_TIMEOUT_MS <= env.HTTP_REQUEST_TIMEOUT_MS, {
    // Node refuses a server whose header bound exceeds its request bound.
    path: ["HTTP_HEADERS_TIMEOUT_MS"],
    message: "must not exceed HTTP_REQUEST_TIMEOUT_MS",
  })
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
