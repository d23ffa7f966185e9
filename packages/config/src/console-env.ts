import { z } from "zod";
import { deliveryLogFields, processFields, shutdownTimeout } from "./common";
import { integer, optionalSecret, port, trustProxy, weakPasswordReason } from "./fields";
import { checkRedisScale } from "./redis-scale";

const httpUrl = z.url({ protocol: /^https?$/, error: "expected an http(s) URL" });

/** Why a session-signing key is too weak, or null: the password rule, at twice the length. */
export function weakSessionSecretReason(secret: string): string | null {
  if ([...secret].length < 32) return "must be at least 32 characters (try `openssl rand -base64 32`)";
  return weakPasswordReason(secret);
}

export const consoleEnvSchema = z
  .object({
    ...processFields,
    ...deliveryLogFields,
    CONSOLE_PORT: port(3001).describe("The web console's HTTP port."),
    CONSOLE_HOST: z
      .string()
      .trim()
      .min(1)
      .default("::")
      .describe("The web console's listen address (`::` accepts IPv4 and IPv6)."),
    DB_POOL_MAX: integer(3, { min: 1, max: 1000 }).describe(
      "Connections in the console's Postgres pool (pages, sign-ins and the live order updates).",
    ),
    PUBLIC_URL: httpUrl
      .optional()
      .describe("The receiver's public base URL (`https://…`), for the webhook URLs orderhook prints."),
    CONSOLE_PUBLIC_URL: httpUrl
      .optional()
      .describe(
        "The console's own public address (`https://console.example.com`). Form posts must come from " +
          "this origin (CSRF check), and with `https` the session cookie is `Secure` and `__Host-` " +
          "prefixed. Unset: the origin each request was addressed to (local use).",
      ),
    CONSOLE_RECEIVER_URL: httpUrl
      .default("http://127.0.0.1:3000")
      .describe(
        "Where the console sends test alerts: the receiver as the console reaches it (compose: " +
          "`http://receiver:3000`, Railway: `http://receiver.railway.internal:3000`).",
      ),
    CONSOLE_SESSION_SECRET: optionalSecret.describe(
      "Key that signs the session cookie (HMAC-SHA256), 32+ characters (`openssl rand -base64 32`). " +
        "Required in production; in development an unset key is generated at start, so sessions end " +
        "with the process. Changing it signs everyone out.",
    ),
    CONSOLE_SESSION_TTL_SECONDS: integer(43_200, { min: 300, max: 30 * 86_400 }).describe(
      "How long a sign-in lasts; then the console asks for the token (or password) again.",
    ),
    CONSOLE_ADMIN_PASSWORD: optionalSecret.describe(
      "Operators sign in with this password and can switch between users; unset: no operator " +
        "sign-in. 16+ characters, 10+ different, two kinds (`openssl rand -base64 24`). Changing it " +
        "signs operators out.",
    ),
    CONSOLE_COOKIE_SECURE: z
      .enum(["auto", "true", "false"], { error: 'expected "auto", "true" or "false"' })
      .default("auto")
      .describe(
        "Mark the session cookie `Secure` (sent over https only): `auto` does when CONSOLE_PUBLIC_URL " +
          "is https.",
      ),
    CONSOLE_SIGN_IN_LIMIT_PER_MINUTE: integer(10, { min: 1, max: 100_000 }).describe(
      "Sign-in attempts (token or operator password) per client address and minute, after a burst " +
        "of CONSOLE_SIGN_IN_BURST; past it, 429. The client address follows TRUST_PROXY.",
    ),
    CONSOLE_SIGN_IN_BURST: integer(10, { min: 1, max: 100_000 }).describe(
      "Sign-in attempts a client address may make at once before CONSOLE_SIGN_IN_LIMIT_PER_MINUTE applies.",
    ),
    CONSOLE_POLL_INTERVAL_MS: integer(1_000, { min: 100, max: 60_000 }).describe(
      "How often open console pages get order status changes: one Postgres query per interval for " +
        "all of them, only while a page is open.",
    ),
    CONSOLE_DELIVERY_POLL_INTERVAL_MS: integer(250, { min: 50, max: 60_000 }).describe(
      "How often open console pages get new deliveries: one non-blocking Redis XREAD per signed-in " +
        "user with a page open, only while one is.",
    ),
    TRUST_PROXY: trustProxy.describe(
      "Proxies in front of the console whose X-Forwarded-For entries name the client, for the " +
        "sign-in limit: `false`, `true` (1, e.g. Railway's edge) or a count.",
    ),
    SHUTDOWN_TIMEOUT_MS: shutdownTimeout(5_000),
  })
  .superRefine(checkRedisScale)
  .superRefine((env, ctx) => {
    const secret = env.CONSOLE_SESSION_SECRET;
    if (secret === undefined && env.NODE_ENV === "production") {
      ctx.addIssue({
        code: "custom",
        path: ["CONSOLE_SESSION_SECRET"],
        message: "must be set in production (try `openssl rand -base64 32`)",
      });
    } else if (secret !== undefined) {
      const weak = weakSessionSecretReason(secret);
      if (weak !== null) ctx.addIssue({ code: "custom", path: ["CONSOLE_SESSION_SECRET"], message: weak });
    }
    const password = env.CONSOLE_ADMIN_PASSWORD;
    if (password !== undefined) {
      const weak = weakPasswordReason(password);
      if (weak !== null) ctx.addIssue({ code: "custom", path: ["CONSOLE_ADMIN_PASSWORD"], message: weak });
      else if (password === secret) {
        ctx.addIssue({
          code: "custom",
          path: ["CONSOLE_ADMIN_PASSWORD"],
          message: "must differ from CONSOLE_SESSION_SECRET",
        });
      }
    }
  });

export type ConsoleEnv = z.infer<typeof consoleEnvSchema>;
