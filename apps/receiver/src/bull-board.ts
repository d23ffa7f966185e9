import { createBullBoard } from "@bull-board/api";
import { BullMQAdapter } from "@bull-board/api/bullMQAdapter";
import { HonoAdapter } from "@bull-board/hono";
import { serveStatic } from "@hono/node-server/serve-static";
import { OrderhookError } from "@orderhook/errors";
import type { KeyedRateLimiter } from "@orderhook/http";
import type { OrderQueue } from "@orderhook/queue";
import type { Context, Hono } from "hono";
import { basicAuth } from "hono/basic-auth";
import { HTTPException } from "hono/http-exception";
import type { AppEnv } from "./app-env";

export const BULL_BOARD_PATH = "/admin/queues";

export interface BullBoardOptions {
  username: string;
  password: string;
  /** No retries, edits, cleans, pauses or empties: only GET reaches the board. */
  readOnly: boolean;
  /** Failed logins per client address; past the limit the password is not even checked (429). */
  loginFailures: KeyedRateLimiter;
  clientAddress: (c: Context<AppEnv>) => string;
}

/**
 * Mounts Bull Board for the order queue (every shard's) at /admin/queues behind HTTP basic auth, on the admin
 * listener. Read-only by default: editing a waiting job is forging an order, and emptying the
 * queue is losing acknowledged ones, so writes need BULL_BOARD_READ_ONLY=false — and even then a
 * leaked password is tried at a bounded rate.
 */
export function mountBullBoard(
  app: Hono<AppEnv>,
  queues: readonly OrderQueue[],
  options: BullBoardOptions,
): void {
  const { readOnly, loginFailures, clientAddress } = options;
  const adapter = new HonoAdapter(serveStatic);
  createBullBoard({
    // One board entry per queue shard (`s2-orders`); a single queue keeps its plain name.
    queues: queues.map(
      (queue, shard) =>
        new BullMQAdapter(queue, {
          readOnlyMode: readOnly,
          ...(queues.length > 1 ? { prefix: `s${shard}-`, displayName: `orders (shard ${shard})` } : {}),
        }),
    ),
    serverAdapter: adapter,
  });
  adapter.setBasePath(BULL_BOARD_PATH);
  const auth = basicAuth({
    username: options.username,
    password: options.password,
    realm: "orderhook queues",
  });

  async function guardedAuth(c: Context<AppEnv>, next: () => Promise<void>) {
    const address = clientAddress(c);
    const waitMs = loginFailures.wait(address);
    if (waitMs > 0) {
      const retryAfter = Math.ceil(waitMs / 1000);
      throw new OrderhookError("rate_limited", {
        detail: `Too many failed dashboard logins from your address; retry in ${retryAfter} s.`,
        retryAfter,
      });
    }
    try {
      await auth(c, next);
    } catch (error) {
      // A browser's first request carries no credentials (it then prompts): only a wrong password counts.
      if (error instanceof HTTPException && error.status === 401 && c.req.header("authorization")) {
        loginFailures.hit(address);
      }
      throw error;
    }
  }

  app.use(`${BULL_BOARD_PATH}/*`, async function requestIdHeader(c, next) {
    c.header("x-request-id", c.get("requestId"));
    await next();
  });
  app.use(BULL_BOARD_PATH, guardedAuth);
  app.use(`${BULL_BOARD_PATH}/*`, guardedAuth);
  if (readOnly) {
    app.use(`${BULL_BOARD_PATH}/*`, async function readOnlyBoard(c, next) {
      if (c.req.method !== "GET" && c.req.method !== "HEAD") {
        throw new OrderhookError("method_not_allowed", {
          detail: "The queue dashboard is read-only (BULL_BOARD_READ_ONLY).",
        });
      }
      await next();
    });
  }
  app.route(BULL_BOARD_PATH, adapter.registerPlugin());
}
