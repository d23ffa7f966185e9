import { z } from "zod";
import {
  DecimalProblem,
  decimalAtMost,
  decimalFromNumber,
  isCanonicalDecimal,
  notADecimal,
  parseDecimal,
} from "./decimal";
import {
  isStorableText,
  isStorableTime,
  MAX_ALERT_TIME_MS,
  MIN_ALERT_TIME_MS,
  unstorableTextMessage,
} from "./storable";

const MAX_PERCENT = 1000;

/**
 * A positive decimal as senders write it — a JSON number (its source text, when the body
 * reader could recover it) or a string such as TradingView's `"{{close}}"` — normalized to the
 * text Postgres `numeric` stores, never through a double.
 */
const decimal = () =>
  z
    .custom<string | number>((value) => typeof value === "string" || typeof value === "number", {
      error: notADecimal.message,
    })
    .transform((value, ctx) => readDecimal(value, ctx, []) ?? z.NEVER);

/** Text Postgres can store (no U+0000, no unpaired surrogate). */
const storableText = () =>
  z.string().refine(isStorableText, { error: (issue) => unstorableTextMessage(String(issue.input)) });

const lowerEnum = <const T extends readonly [string, ...string[]]>(values: T) =>
  z
    .string()
    .trim()
    .transform((v) => v.toLowerCase())
    .pipe(z.enum(values, { error: `expected one of ${values.join(", ")}` }));

const bracketError = "expected exactly one of {price}, {percent} or {amount}";
const BRACKET_KINDS = ["price", "percent", "amount"] as const;

/** Reads a decimal into `ctx` issues; undefined when refused. */
function readDecimal(
  value: unknown,
  ctx: z.RefinementCtx,
  path: PropertyKey[],
  atMost?: number,
): string | undefined {
  const parsed =
    typeof value === "number"
      ? decimalFromNumber(value)
      : typeof value === "string"
        ? parseDecimal(value)
        : notADecimal;
  if (parsed instanceof DecimalProblem) {
    ctx.addIssue({ code: "custom", path, message: parsed.message });
    return undefined;
  }
  if (atMost !== undefined && !decimalAtMost(parsed, atMost)) {
    ctx.addIssue({ code: "custom", path, message: `must be at most ${atMost}` });
    return undefined;
  }
  return parsed;
}

/**
 * `{price}`, `{percent}` (at most 1000) or `{amount}`, one key exactly. One pass, not a union
 * of three objects: a union measured 3 µs per alert for `{amount}` (two failed branches first).
 */
const bracket = z
  .custom<Record<string, unknown>>(
    (value) => typeof value === "object" && value !== null && !Array.isArray(value),
    { error: bracketError },
  )
  .transform((value, ctx): Bracket => {
    const keys = Object.keys(value);
    const kind = keys.length === 1 ? BRACKET_KINDS.find((k) => k === keys[0]) : undefined;
    if (kind === undefined) {
      ctx.addIssue({ code: "custom", message: bracketError });
      return z.NEVER;
    }
    const parsed = readDecimal(value[kind], ctx, [kind], kind === "percent" ? MAX_PERCENT : undefined);
    if (parsed === undefined) return z.NEVER;
    return kind === "price"
      ? { price: parsed }
      : kind === "percent"
        ? { percent: parsed }
        : { amount: parsed };
  });

const TIME_ERROR =
  "expected an ISO-8601 time with a zone (2025-06-01T12:00:00Z, TradingView's {{timenow}}) or epoch seconds/milliseconds";
const TIME_RANGE_ERROR = `must be between ${new Date(MIN_ALERT_TIME_MS).toISOString()} and ${new Date(MAX_ALERT_TIME_MS).toISOString()}`;

/** ISO-8601 date, or date-time with a zone; Date.parse alone would read zone-less times in the server's zone. */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}(?:[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:[Zz]|[+-]\d{2}:?\d{2}))?$/;
const EPOCH = /^\d+(?:\.\d+)?$/;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** The date and clock fields of a text ISO_TIME matched exist (Date.parse would roll 02-30 into March). */
function isRealTime(text: string): boolean {
  const at = (i: number) => text.charCodeAt(i) - 0x30;
  const year = at(0) * 1000 + at(1) * 100 + at(2) * 10 + at(3);
  const month = at(5) * 10 + at(6);
  const day = at(8) * 10 + at(9);
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = month === 2 && leap ? 29 : (DAYS_IN_MONTH[month - 1] ?? 0);
  if (day < 1 || day > days) return false;
  if (text.length === 10) return true;
  const clock = at(11) * 10 + at(12) <= 23 && at(14) * 10 + at(15) <= 59;
  return clock && (text.charCodeAt(16) !== 0x3a || at(17) * 10 + at(18) <= 59);
}

/**
 * Epoch seconds (below 10^11, i.e. before year 5138), epoch milliseconds or an ISO-8601
 * string; normalized to epoch ms, and only times Postgres and the stale check can use.
 */
const timestamp = z
  .custom<string | number>((value) => typeof value === "string" || typeof value === "number", {
    error: TIME_ERROR,
  })
  .transform((value, ctx) => {
    let ms = Number.NaN;
    const text = typeof value === "string" ? value.trim() : "";
    if (typeof value === "number" || EPOCH.test(text)) {
      const n = Number(typeof value === "number" ? value : text);
      ms = n < 1e11 ? Math.round(n * 1000) : Math.round(n);
    } else if (ISO_TIME.test(text) && isRealTime(text)) {
      ms = Date.parse(text.charCodeAt(10) === 0x20 ? `${text.slice(0, 10)}T${text.slice(11)}` : text);
    }
    if (Number.isNaN(ms)) {
      ctx.addIssue({ code: "custom", message: TIME_ERROR });
      return z.NEVER;
    }
    if (!isStorableTime(ms)) {
      ctx.addIssue({ code: "custom", message: TIME_RANGE_ERROR });
      return z.NEVER;
    }
    return ms;
  });

/** Whole seconds, as a JSON number or a numeric string. */
const MAX_LAG_ERROR = "must be a whole number of seconds from 1 to 86400";
const maxLagSeconds = z
  .custom<string | number>((value) => typeof value === "string" || typeof value === "number", {
    error: MAX_LAG_ERROR,
  })
  .transform((value, ctx) => {
    const n =
      typeof value === "number" ? value : /^\s*\d+(?:\.0*)?\s*$/.test(value) ? Number(value) : Number.NaN;
    if (!Number.isInteger(n) || n < 1 || n > 86_400) {
      ctx.addIssue({ code: "custom", message: MAX_LAG_ERROR });
      return z.NEVER;
    }
    return n;
  });

export const orderActions = ["buy", "sell", "exit", "cancel"] as const;
export const orderTypes = ["market", "limit", "stop", "stop_limit"] as const;
export const timesInForce = ["day", "gtc", "ioc", "fok"] as const;
export const sentiments = ["long", "short", "flat"] as const;

/** The v1 alert as senders write it: aliases resolved by parseAlert, unknown fields ignored here (kept in the raw payload). */
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
    quantity: decimal().optional(),
    orderType: lowerEnum(orderTypes).default("market"),
    limitPrice: decimal().optional(),
    stopPrice: decimal().optional(),
    timeInForce: lowerEnum(timesInForce).default("day"),
    takeProfit: bracket.optional(),
    stopLoss: bracket.optional(),
    signalPrice: decimal().optional(),
    sentiment: lowerEnum(sentiments).optional(),
    account: storableText().trim().min(1).max(128).optional(),
    idempotencyKey: storableText()
      .min(1, "must not be empty")
      .max(255, "must be at most 255 characters")
      .optional(),
    alertTime: timestamp.optional(),
    maxLagSeconds: maxLagSeconds.optional(),
    comment: storableText().max(1024, "must be at most 1024 characters").optional(),
  })
  .superRefine((alert, ctx) => {
    const needsQuantity = alert.action === "buy" || alert.action === "sell";
    if (needsQuantity && alert.quantity === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["quantity"],
        message: `is required for ${alert.action} orders (or give the webhook a default: orderhook webhook update <id> --default-quantity <n>)`,
      });
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
export type Bracket = { price: string } | { percent: string } | { amount: string };

/**
 * A decimal in the job: the canonical text parseAlert produced. Jobs of receivers from before
 * exact decimals carry JSON numbers; they are read as their shortest decimal form.
 */
const storedDecimal = (atMost?: number) =>
  z.union([
    z
      .string()
      .refine(isCanonicalDecimal, "expected a canonical positive decimal within bounds")
      .refine((v) => atMost === undefined || decimalAtMost(v, atMost), `must be at most ${atMost}`),
    z.number().transform((value, ctx) => {
      const parsed = decimalFromNumber(value);
      if (parsed instanceof DecimalProblem) {
        ctx.addIssue({ code: "custom", message: parsed.message });
        return z.NEVER;
      }
      return parsed;
    }),
  ]);

const storedBracket = z.union(
  [
    z.strictObject({ price: storedDecimal() }),
    z.strictObject({ percent: storedDecimal(MAX_PERCENT) }),
    z.strictObject({ amount: storedDecimal() }),
  ],
  { error: bracketError },
);

/** The normalized alert: what the queue carries and the worker stores, every field storable. */
export const orderAlertSchema = z.strictObject({
  ticker: storableText().min(1).max(64),
  action: z.enum(orderActions),
  quantity: storedDecimal().nullable(),
  orderType: z.enum(orderTypes),
  limitPrice: storedDecimal().nullable(),
  stopPrice: storedDecimal().nullable(),
  timeInForce: z.enum(timesInForce),
  takeProfit: storedBracket.nullable(),
  stopLoss: storedBracket.nullable(),
  signalPrice: storedDecimal().nullable(),
  sentiment: z.enum(sentiments).nullable(),
  account: storableText().nullable(),
  idempotencyKey: storableText().nullable(),
  alertTime: z.number().refine(isStorableTime, TIME_RANGE_ERROR).nullable(),
  maxLagSeconds: z.number().int().nullable(),
  comment: storableText().nullable(),
});

export type OrderAlert = z.infer<typeof orderAlertSchema>;
