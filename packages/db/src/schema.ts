import { sql } from "drizzle-orm";
import {
  boolean,
  check,
  index,
  integer,
  jsonb,
  numeric,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";

const createdAt = () => timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow();

export const users = pgTable(
  "users",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    /** Stored lower-cased; unique. */
    email: text("email").notNull().unique(),
    name: text("name"),
    /** Alerts per second; null means the receiver's RATE_LIMIT_PER_SECOND. */
    rateLimitPerSecond: integer("rate_limit_per_second"),
    /**
     * Alerts that may arrive at the same moment (the GCRA bucket), refilled at the rate; null
     * means one second's worth (the rate itself).
     */
    rateLimitBurst: integer("rate_limit_burst"),
    createdAt: createdAt(),
  },
  (t) => [
    // A rate of 0 or below has no emission interval: the receiver could never admit nor refuse by it.
    check("users_rate_limit_per_second_positive", sql`${t.rateLimitPerSecond} > 0`),
    // A burst below 1 would refuse every alert.
    check("users_rate_limit_burst_positive", sql`${t.rateLimitBurst} > 0`),
  ],
);

export const brokerAccounts = pgTable(
  "broker_accounts",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    broker: text("broker").notNull().default("paper"),
    name: text("name").notNull(),
    active: boolean("active").notNull().default(true),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("broker_accounts_user_name_key").on(t.userId, t.name)],
);

export const webhooks = pgTable(
  "webhooks",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    accountId: uuid("account_id")
      .notNull()
      .references(() => brokerAccounts.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    /** SHA-256 of the token (hex). The token itself is never stored. */
    tokenHash: text("token_hash").notNull().unique(),
    /** First characters of the token, to tell webhooks apart in listings. */
    tokenPrefix: text("token_prefix").notNull(),
    /** Standard Webhooks secret (`whsec_…`); HMAC verification needs it in the clear. */
    signingSecret: text("signing_secret"),
    active: boolean("active").notNull().default(true),
    revokedAt: timestamp("revoked_at", { withTimezone: true, mode: "date" }),
    rotatedAt: timestamp("rotated_at", { withTimezone: true, mode: "date" }),
    /** The quantity of a buy or sell alert that has none (exact decimal text); null: such alerts are refused. */
    defaultQuantity: numeric("default_quantity", { mode: "string" }),
    /** Keyless alerts with the same body are one order within this window (0: off); null: DEDUP_WINDOW_MS. */
    dedupWindowMs: integer("dedup_window_ms"),
    /** Alerts whose `time` is older than this are refused (the alert's own maxLagSeconds wins); null: off. */
    maxLagSeconds: integer("max_lag_seconds"),
    createdAt: createdAt(),
  },
  (t) => [
    index("webhooks_user_id_idx").on(t.userId),
    check("webhooks_default_quantity_positive", sql`${t.defaultQuantity} > 0`),
    check("webhooks_dedup_window_ms_range", sql`${t.dedupWindowMs} between 0 and 3600000`),
    check("webhooks_max_lag_seconds_range", sql`${t.maxLagSeconds} between 1 and 86400`),
  ],
);

export const orderStatuses = ["queued", "processing", "accepted", "rejected", "failed"] as const;
export type OrderStatus = (typeof orderStatuses)[number];

export const orders = pgTable(
  "orders",
  {
    /** The receiver's UUIDv7 orderId, which is also the BullMQ jobId. */
    id: uuid("id").primaryKey(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    accountId: uuid("account_id").references(() => brokerAccounts.id, { onDelete: "set null" }),
    webhookId: uuid("webhook_id").references(() => webhooks.id, { onDelete: "set null" }),
    /** The sender's explicit key (header or body); null when the body hash was used. */
    idempotencyKey: text("idempotency_key"),
    ticker: text("ticker").notNull(),
    action: text("action").notNull(),
    /** Exact decimals, read and written as the text Postgres prints (`"1.50"` keeps its scale). */
    quantity: numeric("quantity", { mode: "string" }),
    orderType: text("order_type").notNull(),
    limitPrice: numeric("limit_price", { mode: "string" }),
    stopPrice: numeric("stop_price", { mode: "string" }),
    timeInForce: text("time_in_force").notNull(),
    takeProfit: jsonb("take_profit"),
    stopLoss: jsonb("stop_loss"),
    signalPrice: numeric("signal_price", { mode: "string" }),
    sentiment: text("sentiment"),
    comment: text("comment"),
    alertTime: timestamp("alert_time", { withTimezone: true, mode: "date" }),
    rawPayload: jsonb("raw_payload").notNull(),
    status: text("status", { enum: orderStatuses }).notNull(),
    reason: text("reason"),
    receivedAt: timestamp("received_at", { withTimezone: true, mode: "date" }).notNull(),
    processedAt: timestamp("processed_at", { withTimezone: true, mode: "date" }),
    createdAt: createdAt(),
  },
  (t) => [
    index("orders_user_id_created_at_idx").on(t.userId, t.createdAt),
    uniqueIndex("orders_user_idempotency_key_key")
      .on(t.userId, t.idempotencyKey)
      .where(sql`${t.idempotencyKey} is not null`),
  ],
);

export type User = typeof users.$inferSelect;
export type BrokerAccount = typeof brokerAccounts.$inferSelect;
export type Webhook = typeof webhooks.$inferSelect;
export type Order = typeof orders.$inferSelect;
export type NewOrder = typeof orders.$inferInsert;
