import { z } from "zod";

const MAX_NUMBER = 1e12;

/** TradingView placeholders arrive as numbers or as numeric strings ("{{close}}"). */
const numeric = z
  .union([
    z.number(),
    z
      .string()
      .trim()
      .regex(/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/, "expected a number"),
  ])
  .transform(Number)
  .pipe(z.number().finite("expected a finite number"));

const positive = numeric.pipe(
  z.number().gt(0, "must be greater than 0").lte(MAX_NUMBER, `must be at most ${MAX_NUMBER}`),
);

const lowerEnum = <const T extends readonly [string, ...string[]]>(values: T) =>
  z
    .string()
    .trim()
    .transform((v) => v.toLowerCase())
    .pipe(z.enum(values, { error: `expected one of ${values.join(", ")}` }));

const bracket = z.union(
  [
    z.strictObject({ price: positive }),
    z.strictObject({ percent: positive.pipe(z.number().lte(1000, "must be at most 1000")) }),
    z.strictObject({ amount: positive }),
  ],
  { error: "expected exactly one of {price}, {percent} or {amount}" },
);

/** The largest time a JS Date holds; beyond it a "time" is not a safe integer either. */
const MAX_TIME_MS = 8.64e15;

/** Epoch seconds, epoch milliseconds or an ISO-8601 string; normalized to epoch ms. */
const timestamp = z.union([z.number(), z.string().trim().min(1)]).transform((value, ctx) => {
  let ms: number;
  if (typeof value === "number" || /^\d+(\.\d+)?$/.test(value)) {
    const n = Number(value);
    ms = n < 1e11 ? Math.round(n * 1000) : Math.round(n);
  } else {
    ms = Date.parse(value);
  }
  // Beyond this the job contract (safe integers) would refuse an alert the receiver already acked.
  if (!Number.isSafeInteger(ms) || Math.abs(ms) > MAX_TIME_MS) {
    ctx.addIssue({ code: "custom", message: "expected an ISO-8601 time or epoch seconds/milliseconds" });
    return z.NEVER;
  }
  return ms;
});

export const orderActions = ["buy", "sell", "exit", "cancel"] as const;
export const orderTypes = ["market", "limit", "stop", "stop_limit"] as const;
export const timesInForce = ["day", "gtc", "ioc", "fok"] as const;
export const sentiments = ["long", "short", "flat"] as const;

/** The v1 alert as senders write it: aliases allowed, unknown fields ignored here (kept in the raw payload). */
export const alertInputSchema = z
  .object({
    ticker: z
      .string()
      .trim()
      .min(1, "must not be empty")
      .max(64, "must be at most 64 characters")
      .regex(/^[A-Za-z0-9._:/!^=&-]+$/, "contains characters a ticker cannot have")
      .transform((v) => v.toUpperCase()),
    action: lowerEnum(orderActions),
    quantity: positive.optional(),
    orderType: lowerEnum(orderTypes).default("market"),
    limitPrice: positive.optional(),
    stopPrice: positive.optional(),
    timeInForce: lowerEnum(timesInForce).default("day"),
    takeProfit: bracket.optional(),
    stopLoss: bracket.optional(),
    signalPrice: positive.optional(),
    sentiment: lowerEnum(sentiments).optional(),
    account: z.string().trim().min(1).max(128).optional(),
    idempotencyKey: z
      .string()
      .min(1, "must not be empty")
      .max(255, "must be at most 255 characters")
      .optional(),
    alertTime: timestamp.optional(),
    maxLagSeconds: numeric.pipe(z.number().int("must be a whole number").min(1).max(86_400)).optional(),
    comment: z.string().max(1024, "must be at most 1024 characters").optional(),
  })
  .superRefine((alert, ctx) => {
    const needsQuantity = alert.action === "buy" || alert.action === "sell";
    if (needsQuantity && alert.quantity === undefined) {
      ctx.addIssue({ code: "custom", path: ["quantity"], message: `is required for ${alert.action} orders` });
    }
    const needsLimit = alert.orderType === "limit" || alert.orderType === "stop_limit";
    const needsStop = alert.orderType === "stop" || alert.orderType === "stop_limit";
    if (needsLimit && alert.limitPrice === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["limitPrice"],
        message: `is required for ${alert.orderType} orders`,
      });
    }
    if (needsStop && alert.stopPrice === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["stopPrice"],
        message: `is required for ${alert.orderType} orders`,
      });
    }
    if (alert.maxLagSeconds !== undefined && alert.alertTime === undefined) {
      ctx.addIssue({ code: "custom", path: ["alertTime"], message: "is required when maxLagSeconds is set" });
    }
  });

export type OrderAction = (typeof orderActions)[number];
export type OrderType = (typeof orderTypes)[number];
export type TimeInForce = (typeof timesInForce)[number];
export type Sentiment = (typeof sentiments)[number];
export type Bracket = { price: number } | { percent: number } | { amount: number };

/** The normalized alert: what the queue carries and the worker stores. */
export const orderAlertSchema = z.strictObject({
  ticker: z.string().min(1).max(64),
  action: z.enum(orderActions),
  quantity: z.number().positive().nullable(),
  orderType: z.enum(orderTypes),
  limitPrice: z.number().positive().nullable(),
  stopPrice: z.number().positive().nullable(),
  timeInForce: z.enum(timesInForce),
  takeProfit: bracket.nullable(),
  stopLoss: bracket.nullable(),
  signalPrice: z.number().positive().nullable(),
  sentiment: z.enum(sentiments).nullable(),
  account: z.string().nullable(),
  idempotencyKey: z.string().nullable(),
  alertTime: z.number().int().nullable(),
  maxLagSeconds: z.number().int().nullable(),
  comment: z.string().nullable(),
});

export type OrderAlert = z.infer<typeof orderAlertSchema>;
