import { type DeliveryReader, parseCursor } from "@orderhook/deliveries";
import { type FieldError, OrderhookError } from "@orderhook/errors";
import type { KeyedRateLimiter } from "@orderhook/http";
import type { Context } from "hono";
import type { AppEnv } from "./app-env";
import type { Authenticator } from "./authenticate";
import { jsonResponse } from "./respond";
import { unavailable } from "./unavailable";

export const DELIVERIES_DEFAULT_LIMIT = 50;
export const DELIVERIES_MAX_LIMIT = 200;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface DeliveriesQuery {
  limit: number;
  cursor: string | undefined;
  webhookId: string | undefined;
}

function parseQuery(c: Context<AppEnv>): DeliveriesQuery {
  const errors: FieldError[] = [];
  const limitText = c.req.query("limit");
  const cursor = c.req.query("cursor");
  const webhook = c.req.query("webhook");
  let limit = DELIVERIES_DEFAULT_LIMIT;
  if (limitText !== undefined) {
    limit = /^\d{1,4}$/.test(limitText) ? Number(limitText) : Number.NaN;
    if (!(limit >= 1 && limit <= DELIVERIES_MAX_LIMIT)) {
      errors.push({ field: "limit", message: `must be a whole number from 1 to ${DELIVERIES_MAX_LIMIT}` });
    }
  }
  if (cursor !== undefined && parseCursor(cursor) === null) {
    errors.push({ field: "cursor", message: "must be a nextCursor from an earlier page" });
  }
  if (webhook !== undefined && !UUID.test(webhook)) {
    errors.push({ field: "webhook", message: "must be a webhook id (a UUID)" });
  }
  if (errors.length > 0) {
    throw new OrderhookError("invalid_query", { detail: "The query parameters are not valid.", errors });
  }
  return { limit, cursor, webhookId: webhook?.toLowerCase() };
}

/**
 * GET /v1/deliveries: the deliveries log of the token's owner across their webhooks, newest
 * first. Any webhook token of the owner reads it, as for orders; another user's webhook id
 * answers 404 like one that does not exist.
 */
export function createListDeliveriesHandler(deps: {
  authenticator: Authenticator;
  reader: DeliveryReader;
  /**
   * Reads per user (each costs two indexed Postgres queries on the pool credential loads use, and
   * a Redis pipeline); past it, 429. Absent: no limit.
   */
  readsPerUser?: KeyedRateLimiter;
}) {
  const { authenticator, reader, readsPerUser } = deps;
  return async function listDeliveries(c: Context<AppEnv>): Promise<Response> {
    const match = /^Bearer\s+(\S{1,256})$/i.exec(c.req.header("authorization") ?? "");
    if (match === null) throw authenticator.refuse(c);
    const creds = await authenticator.authenticate(c, match[1]!);
    const waitMs = readsPerUser?.hit(creds.userId) ?? 0;
    if (waitMs > 0) {
      const retryAfter = Math.ceil(waitMs / 1000);
      throw new OrderhookError("rate_limited", {
        detail: `Too many reads of the deliveries log; retry in ${retryAfter} s.`,
        retryAfter,
      });
    }
    const query = parseQuery(c);
    const page = await reader.recent(creds.userId, query).catch((error: unknown) => {
      throw unavailable(error, "The deliveries log");
    });
    if (page === null) throw new OrderhookError("not_found", { detail: "You have no webhook with this id." });
    c.set("outcome", "found");
    return jsonResponse(200, page, c.get("requestId"));
  };
}
