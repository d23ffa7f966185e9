import { createBullBoard } from "@bull-board/api";
import { BullMQAdapter } from "@bull-board/api/bullMQAdapter";
import { HonoAdapter } from "@bull-board/hono";
import { serveStatic } from "@hono/node-server/serve-static";
import type { OrderQueue } from "@orderhook/queue";
import type { Hono } from "hono";
import { basicAuth } from "hono/basic-auth";
import type { AppEnv } from "./app-env";

export const BULL_BOARD_PATH = "/admin/queues";

/** Mounts Bull Board for the order queue at /admin/queues behind HTTP basic auth. */
export function mountBullBoard(
  app: Hono<AppEnv>,
  queue: OrderQueue,
  credentials: { username: string; password: string },
): void {
  const adapter = new HonoAdapter(serveStatic);
  createBullBoard({ queues: [new BullMQAdapter(queue)], serverAdapter: adapter });
  adapter.setBasePath(BULL_BOARD_PATH);
  const auth = basicAuth({ ...credentials, realm: "orderhook queues" });
  app.use(`${BULL_BOARD_PATH}/*`, async function requestIdHeader(c, next) {
    c.header("x-request-id", c.get("requestId"));
    await next();
  });
  app.use(BULL_BOARD_PATH, auth);
  app.use(`${BULL_BOARD_PATH}/*`, auth);
  app.route(BULL_BOARD_PATH, adapter.registerPlugin());
}
