import { z } from "zod";
import { appFields, databaseFields, redisFields, serviceFields, shutdownTimeout } from "./common";
import { booleanString, integer, optionalSecret, port } from "./fields";

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
    SHUTDOWN_TIMEOUT_MS: shutdownTimeout(10_000),
    /** A client must finish sending its request headers within this (slowloris: 408, then closed). */
    HTTP_HEADERS_TIMEOUT_MS: integer(10_000, { min: 100, max: 600_000 }),
    /** …and its whole request, body included, within this. */
    HTTP_REQUEST_TIMEOUT_MS: integer(30_000, { min: 100, max: 600_000 }),
    /** How often Node looks for connections past those two bounds (the cut-off comes up to this late). */
    HTTP_CONNECTIONS_CHECK_INTERVAL_MS: integer(1_000, { min: 10, max: 60_000 }),
    /** Idle keep-alive connections stay open this long: above the 60 s idle timeout of common proxies. */
    HTTP_KEEP_ALIVE_TIMEOUT_MS: integer(65_000, { min: 0, max: 600_000 }),
    BULL_BOARD_USER: optionalSecret,
    BULL_BOARD_PASSWORD: optionalSecret,
    METRICS_ENABLED: booleanString.default(true),
  })
  .refine((env) => env.HTTP_HEADERS_TIMEOUT_MS <= env.HTTP_REQUEST_TIMEOUT_MS, {
    // Node refuses a server whose header bound exceeds its request bound.
    path: ["HTTP_HEADERS_TIMEOUT_MS"],
    message: "must not exceed HTTP_REQUEST_TIMEOUT_MS",
  });

export type ReceiverEnv = z.infer<typeof receiverEnvSchema>;
