/**
 * The OLD synchronous design (shared/seed/performance-optimization-plan.md, "before"),
 * reproduced in Node so the comparison measures the design, not the language:
 * a new Postgres connection per request, the five sequential Redis calls of its "before"
 * snippet, user and account SELECTs, and the INSERT committed before the answer.
 * Its SQL is hand-written postgres.js (no ORM), which flatters the baseline if anything.
 */
import { createHash } from "node:crypto";
import { serve } from "@hono/node-server";
import { parseAlert } from "@orderhook/alert";
import { hashToken } from "@orderhook/db";
import { Hono } from "hono";
import { Redis } from "ioredis";
import postgres from "postgres";
import { v7 as uuidv7 } from "uuid";

const databaseUrl = process.env.DATABASE_URL!;
const prefix = process.env.KEY_PREFIX!;
const rateLimit = Number(process.env.RATE_LIMIT_PER_SECOND ?? 10);
const redis = new Redis(process.env.REDIS_URL!);

const app = new Hono();
app.get("/healthz", (c) => c.text("ok"));
app.post("/v1/webhooks/:token", async (c) => {
  const raw = await c.req.text();
  let alert: ReturnType<typeof parseAlert>;
  let payload: Record<string, unknown>;
  try {
    payload = JSON.parse(raw) as Record<string, unknown>;
    alert = parseAlert(payload);
  } catch {
    return c.json({ code: "invalid_order" }, 422);
  }
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    const [user] = await sql<{ user_id: string; webhook_id: string; account_id: string }[]>`
      select w.user_id, w.id as webhook_id, w.account_id from webhooks w join users u on u.id = w.user_id
      where w.token_hash = ${hashToken(c.req.param("token"))} and w.active`;
    if (!user) return c.json({ code: "invalid_token" }, 401);

    const key = createHash("sha256").update(raw).digest("hex");
    const rate = await redis.get(`${prefix}:rate_limit:${user.user_id}`);
    const seen = await redis.get(`${prefix}:idempotency:${key}`);
    if (seen) return c.json(JSON.parse(seen) as object, 200);
    if (Number(rate ?? 0) >= rateLimit) return c.json({ code: "rate_limited" }, 429);
    const orderId = uuidv7();
    const response = { orderId, status: "accepted" };
    await redis.setex(`${prefix}:idempotency:${key}`, 1, JSON.stringify(response));
    await redis.incr(`${prefix}:rate_limit:${user.user_id}`);
    await redis.expire(`${prefix}:rate_limit:${user.user_id}`, 1);

    const [account] = await sql<{ id: string }[]>`
      select id from broker_accounts where id = ${user.account_id} and user_id = ${user.user_id} and active`;
    if (!account) return c.json({ code: "account_forbidden" }, 403);
    const now = new Date();
    await sql`
      insert into orders (id, user_id, account_id, webhook_id, ticker, action, quantity, order_type,
        time_in_force, comment, raw_payload, status, received_at, processed_at)
      values (${orderId}, ${user.user_id}, ${account.id}, ${user.webhook_id}, ${alert.ticker}, ${alert.action},
        ${alert.quantity}, ${alert.orderType}, ${alert.timeInForce}, ${alert.comment},
        ${sql.json(payload as postgres.JSONValue)}, 'accepted', ${now}, ${now})`;
    return c.json(response, 202);
  } finally {
    await sql.end({ timeout: 5 });
  }
});

serve({ fetch: app.fetch, port: Number(process.env.PORT), hostname: "127.0.0.1" });
process.on("SIGTERM", () => {
  redis.disconnect();
  process.exit(0);
});
