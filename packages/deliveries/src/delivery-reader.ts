import { type Database, type OrderStatus, orders, webhooks } from "@orderhook/db";
import type { KeyPrefix, RedisClient } from "@orderhook/queue";
import { and, eq, inArray } from "drizzle-orm";
import type { Delivery, DeliveryMinute, DeliveryPage, DeliveryQuery } from "./delivery";
import { compareNewestFirst, formatCursor, parseCursor } from "./delivery-cursor";
import { deliveryStreamKey } from "./delivery-log-options";
import { DELIVERY_FIELD, type DeliveryRecord, decodeDelivery } from "./delivery-record";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;

/** One of a user's webhooks and its stream. */
export interface DeliveryStream {
  key: string;
  webhookId: string;
  webhookName: string;
}

/** A stream entry as XRANGE/XREAD return it. */
export type StreamEntry = [id: string, fields: string[]];

/** An entry of a known stream, decoded but not yet joined with its order. */
export interface LoggedDelivery {
  entryId: string;
  ms: number;
  seq: number;
  webhookId: string;
  webhookName: string;
  record: DeliveryRecord;
}

export interface DeliveryReaderOptions {
  redis: RedisClient;
  db: Database;
  /** QUEUE_PREFIX, or the queue shards (a user's streams live in their shard). */
  prefix: KeyPrefix;
  /** DELIVERY_LOG_MAX_AGE_SECONDS in ms: older entries are never shown, trimmed or not. */
  maxAgeMs: number;
  now?: () => number;
}

export interface DeliveryReader {
  /**
   * The user's webhooks' streams (one webhook's with `webhookId`); null when `webhookId` is not
   * one of the user's webhooks — another user's answers exactly like one that does not exist.
   */
  streams(userId: string, webhookId?: string | null): Promise<DeliveryStream[] | null>;
  /**
   * A page of the user's deliveries, newest first: the newest entries of each stream merged, so a
   * page costs one XREVRANGE per webhook (in one pipeline) and one indexed Postgres read for the
   * orders' statuses. Null as for `streams`, or for a cursor that is not one.
   */
  recent(userId: string, query: DeliveryQuery): Promise<DeliveryPage | null>;
  /** Outcomes and ack latency per minute over the last hour (minutes with requests only, oldest first). */
  lastHour(userId: string, webhookId: string | null): Promise<DeliveryMinute[] | null>;
  /** Joins entries with the orders' current statuses (one query for all of them). */
  join(userId: string, entries: LoggedDelivery[]): Promise<Delivery[]>;
}

export function decodeEntry(stream: DeliveryStream, [entryId, fields]: StreamEntry): LoggedDelivery {
  const dash = entryId.indexOf("-");
  let value: string | undefined;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i] === DELIVERY_FIELD) value = fields[i + 1];
  }
  return {
    entryId,
    ms: Number(entryId.slice(0, dash)),
    seq: Number(entryId.slice(dash + 1)),
    webhookId: stream.webhookId,
    webhookName: stream.webhookName,
    record: decodeDelivery(value),
  };
}

function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const value = sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
  return Math.round(value * 100) / 100;
}

/** The log as its three views read it (the receiver's API, the CLI, the console). */
export function createDeliveryReader(options: DeliveryReaderOptions): DeliveryReader {
  const { redis, db, prefix, maxAgeMs, now = Date.now } = options;

  async function streams(userId: string, webhookId?: string | null): Promise<DeliveryStream[] | null> {
    if (!UUID.test(userId)) return webhookId ? null : [];
    if (webhookId !== undefined && webhookId !== null && !UUID.test(webhookId)) return null;
    const rows = await db
      .select({ id: webhooks.id, name: webhooks.name })
      .from(webhooks)
      .where(
        webhookId
          ? and(eq(webhooks.userId, userId), eq(webhooks.id, webhookId))
          : eq(webhooks.userId, userId),
      )
      .limit(1_000);
    if (webhookId && rows.length === 0) return null;
    return rows.map((row) => ({
      key: deliveryStreamKey(prefix, userId, row.id),
      webhookId: row.id,
      webhookName: row.name,
    }));
  }

  async function join(userId: string, entries: LoggedDelivery[]): Promise<Delivery[]> {
    const orderIds = [
      ...new Set(
        entries.flatMap((entry) =>
          entry.record.orderId && UUID.test(entry.record.orderId) ? [entry.record.orderId] : [],
        ),
      ),
    ];
    const statuses = new Map<string, { status: OrderStatus; reason: string | null }>();
    if (orderIds.length > 0) {
      // Always exact: the worker's verdict is the row's status, read now.
      const rows = await db
        .select({ id: orders.id, status: orders.status, reason: orders.reason })
        .from(orders)
        .where(and(eq(orders.userId, userId), inArray(orders.id, orderIds)));
      for (const row of rows) statuses.set(row.id, row);
    }
    return entries.map(({ entryId, webhookId, webhookName, record }) => {
      const order = record.orderId === null ? undefined : statuses.get(record.orderId);
      return {
        id: formatCursor(entryId, webhookId),
        receivedAt: new Date(record.receivedAt).toISOString(),
        requestId: record.requestId,
        webhookId,
        webhookName,
        outcome: record.outcome,
        httpStatus: record.httpStatus,
        orderId: record.orderId,
        // No row yet: the job is still queued (the worker writes the row with its verdict).
        orderStatus: record.orderId === null ? null : (order?.status ?? "queued"),
        orderReason: order?.reason ?? null,
        errors: record.errors,
        ackMs: record.ackMs,
        clientIp: record.clientIp,
        contentType: record.contentType,
        bodyExcerpt: record.bodyExcerpt,
      };
    });
  }

  return {
    streams,
    join,
    async recent(userId, query) {
      const cursor = query.cursor === undefined ? undefined : parseCursor(query.cursor);
      if (cursor === null) return null;
      const mine = await streams(userId, query.webhookId);
      if (mine === null) return null;
      const oldest = String(Math.max(0, now() - maxAgeMs));
      const pipeline = redis.pipeline();
      for (const stream of mine) {
        // Entries at the cursor's id come after it only in streams ordered after its webhook.
        const end =
          cursor === undefined
            ? "+"
            : stream.webhookId < cursor.webhookId
              ? cursor.entryId
              : `(${cursor.entryId}`;
        pipeline.xrevrange(stream.key, end, oldest, "COUNT", query.limit + 1);
      }
      const results = mine.length === 0 ? [] : ((await pipeline.exec()) ?? []);
      const merged: LoggedDelivery[] = [];
      results.forEach(([error, entries], index) => {
        if (error) throw error;
        for (const entry of entries as StreamEntry[]) merged.push(decodeEntry(mine[index]!, entry));
      });
      merged.sort(compareNewestFirst);
      const page = merged.slice(0, query.limit);
      const last = page.at(-1);
      return {
        deliveries: await join(userId, page),
        nextCursor: merged.length > query.limit && last ? formatCursor(last.entryId, last.webhookId) : null,
      };
    },
    async lastHour(userId, webhookId) {
      const mine = await streams(userId, webhookId);
      if (mine === null) return null;
      const since = Math.max(0, now() - Math.min(HOUR_MS, maxAgeMs));
      const pipeline = redis.pipeline();
      for (const stream of mine) pipeline.xrange(stream.key, String(since), "+");
      const results = mine.length === 0 ? [] : ((await pipeline.exec()) ?? []);
      const minutes = new Map<number, { outcomes: Record<string, number>; acks: number[] }>();
      results.forEach(([error, entries], index) => {
        if (error) throw error;
        for (const entry of entries as StreamEntry[]) {
          const { ms, record } = decodeEntry(mine[index]!, entry);
          const start = ms - (ms % MINUTE_MS);
          let minute = minutes.get(start);
          if (minute === undefined) {
            minute = { outcomes: {}, acks: [] };
            minutes.set(start, minute);
          }
          minute.outcomes[record.outcome] = (minute.outcomes[record.outcome] ?? 0) + 1;
          minute.acks.push(record.ackMs);
        }
      });
      return [...minutes.entries()]
        .sort(([a], [b]) => a - b)
        .map(([start, { outcomes, acks }]) => {
          acks.sort((a, b) => a - b);
          return {
            start: new Date(start).toISOString(),
            outcomes,
            ackP50Ms: percentile(acks, 0.5),
            ackP99Ms: percentile(acks, 0.99),
          };
        });
    },
  };
}
