import { hashToken, isWellFormedToken } from "@orderhook/db";
import { OrderhookError } from "@orderhook/errors";
import type { KeyedRateLimiter } from "@orderhook/http";
import type { Context } from "hono";
import type { AppEnv } from "./app-env";
import type { CredentialCache } from "./credential-cache";
import type { WebhookCredentials } from "./credentials";
import { invalidToken } from "./invalid-token";
import { unavailable } from "./unavailable";

export interface AuthenticatorDeps {
  credentials: CredentialCache;
  /** The client's address for the failure limit (see `createClientAddress`). */
  clientAddress: (c: Context<AppEnv>) => string;
  /** 401s per client address; past it the answer is 429. Absent: no limit. */
  failuresPerAddress?: KeyedRateLimiter;
}

export interface Authenticator {
  /**
   * The token's credentials, or throws: 401 `invalid_token` (429 `rate_limited` once the
   * client's address is over its failure limit), 503 when the credential store cannot answer.
   */
  authenticate(c: Context<AppEnv>, token: string): Promise<WebhookCredentials>;
  /** The refusal for a request that failed authentication later (a bad signature), counted alike. */
  refuse(c: Context<AppEnv>): OrderhookError;
}

/**
 * Cheapest first, and nothing per request reaches Postgres for a token that cannot be valid:
 * the shape check (constant work, no allocation) refuses anything `generateToken` cannot have
 * made; the hash is looked up in the in-memory set of active tokens, so an unknown one is
 * refused without a query; only a known, uncached token loads (bounded, see the cache). The
 * client's address is read only for a refusal, so the known-token path does not pay for it.
 */
export function createAuthenticator(deps: AuthenticatorDeps): Authenticator {
  const { credentials, clientAddress, failuresPerAddress } = deps;

  function refuse(c: Context<AppEnv>): OrderhookError {
    if (failuresPerAddress === undefined) return invalidToken();
    const waitMs = failuresPerAddress.hit(clientAddress(c));
    if (waitMs === 0) return invalidToken();
    const retryAfter = Math.ceil(waitMs / 1000);
    return new OrderhookError("rate_limited", {
      detail: `Too many requests with an invalid token from your address; retry in ${retryAfter} s.`,
      retryAfter,
    });
  }

  return {
    refuse,
    // Not async: the cache's promise with one `then`, not another promise and an await.
    authenticate(c, token) {
      if (!isWellFormedToken(token)) return Promise.reject(refuse(c));
      let answer: Promise<WebhookCredentials | null>;
      try {
        answer = credentials.get(hashToken(token));
      } catch (error) {
        return Promise.reject(unavailable(error, "The credential store"));
      }
      return answer.then(
        (creds) => {
          if (creds === null) throw refuse(c);
          return creds;
        },
        (error: unknown) => {
          throw unavailable(error, "The credential store");
        },
      );
    },
  };
}
