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

/**
 * A sender's decimal read to canonical text, or why not. The schema and the fast path in
 * `alert-fast-path.ts` both read decimals through this one function.
 */
export function toDecimal(value: unknown, atMost?: number): string | DecimalProblem {
  const parsed =
    typeof value === "number"
      ? decimalFromNumber(value)
      : typeof value === "string"
        ? parseDecimal(value)
        : notADecimal;
  if (parsed instanceof DecimalProblem || atMost === undefined || decimalAtMost(parsed, atMost))
    return parsed;
  return new DecimalProblem(`must be at most ${atMost}`);
}

/** Reads a decimal into `ctx` issues; undefined when refused. */
function readDecimal(
  value: unknown,
  ctx: z.RefinementCtx,
  path: PropertyKey[],
  atMost?: number,
): string | undefined {
  const parsed = toDecimal(value, atMost);
  if (parsed instanceof DecimalProblem) {
    ctx.addIssue({ code: "custom", path, message: parsed.message });
    return undefined;
  }
  return parsed;
}

/** Why a bracket is refused: the key whose value is wrong, or none for the object's shape. */
export interface BracketProblem {
  kind: (typeof BRACKET_KINDS)[number] | null;
  message: string;
}

/**
 * `{price}`, `{percent}` (at most 1000) or `{amount}`, one key exactly, read in one pass, not
 * as a union of three objects: a union measured 3 µs per alert for `{amount}` (two failed
 * branches first). A fresh object, or why not.
 */
export function toBracket(value: unknown): Bracket | BracketProblem {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { kind: null, message: bracketError };
  }
  const keys = Object.keys(value);
  const kind = keys.length === 1 ? BRACKET_KINDS.find((k) => k === keys[0]) : undefined;
  if (kind === undefined) return { kind: null, message: bracketError };
  const parsed = toDecimal(
    (value as Record<string, unknown>)[kind],
    kind === "percent" ? MAX_PERCENT : undefined,
  );
  if (parsed instanceof DecimalProblem) return { kind, message: parsed.message };
  return kind === "price" ? { price: parsed } : kind === "percent" ? { percent: parsed } : { amount: parsed };
}

export function isBracketProblem(value: Bracket | BracketProblem): value is BracketProblem {
  return "message" in value;
}

const bracket = z
  .custom<Record<string, unknown>>(
    (value) => typeof value === "object" && value !== null && !Array.isArray(value),
    { error: bracketError },
  )
  .transform((value, ctx): Bracket => {
    const read = toBracket(value);
    if (!isBracketProblem(read)) return read;
    ctx.addIssue(
      read.kind === null
        ? { code: "custom", message: read.message }
        : { code: "custom", path: [read.kind], message: read.message },
    );
    return z.NEVER;
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

const TIMENOW_LAYOUT = "0000-00-00T00:00:00Z";

/**
 * A time in exactly TradingView's `{{timenow}}` layout (`2025-06-01T12:00:00Z`) from 1970 on,
 * in epoch ms as Date.parse reads it; NaN for any other text. Date.parse and the ISO_TIME
 * regex measured a sixth of an alert's parse.
 */
function readTimenow(text: string): number {
  if (text.length !== TIMENOW_LAYOUT.length) return Number.NaN;
  for (let i = 0; i < TIMENOW_LAYOUT.length; i++) {
    const c = text.charCodeAt(i);
    const want = TIMENOW_LAYOUT.charCodeAt(i);
    if (want === 0x30 ? c < 0x30 || c > 0x39 : c !== want) return Number.NaN;
  }
  if (!isRealTime(text)) return Number.NaN;
  const at = (i: number) => (text.charCodeAt(i) - 0x30) * 10 + text.charCodeAt(i + 1) - 0x30;
  const year = at(0) * 100 + at(2);
  if (year < 1970) return Number.NaN;
  return Date.UTC(year, at(5) - 1, at(8), at(11), at(14), at(17));
}

/**
 * Epoch seconds (below 10^11, i.e. before year 5138), epoch milliseconds or an ISO-8601
 * string, normalized to epoch ms, and only times Postgres and the stale check can use; or
 * the message saying why not.
 */
export function toAlertTime(value: string | number): number | string {
  const timenow = typeof value === "string" ? readTimenow(value) : Number.NaN;
  const ms = Number.isNaN(timenow) ? readTime(value) : timenow;
  if (Number.isNaN(ms)) return TIME_ERROR;
  if (!isStorableTime(ms)) return TIME_RANGE_ERROR;
  return ms;
}

/** Any time layout toAlertTime accepts, in epoch ms (any, not only storable ones); NaN when it is none. */
function readTime(value: string | number): number {
  const text = typeof value === "string" ? value.trim() : "";
  if (typeof value === "number" || EPOCH.test(text)) {
    const n = Number(typeof value === "number" ? value : text);
    return n < 1e11 ? Math.round(n * 1000) : Math.round(n);
  }
  if (ISO_TIME.test(text) && isRealTime(text)) {
    return Date.parse(text.charCodeAt(10) === 0x20 ? `${text.slice(0, 10)}T${text.slice(11)}` : text);
  }
  return Number.NaN;
}

const timestamp = z
  .custom<string | number>((value) => typeof value === "string" || typeof value === "number", {
    error: TIME_ERROR,
  })
  .transform((value, ctx) => {
    const ms = toAlertTime(value);
    if (typeof ms === "string") {
      ctx.addIssue({ code: "custom", message: ms });
      return z.NEVER;
    }
    return ms;
  });

/** Whole seconds from 1 to 86400, as a JSON number or a numeric string; undefined when not. */
export function toMaxLagSeconds(value: string | number): number | undefined {
  const n =
    typeof value === "number" ? value : /^\s*\d+(?:\.0*)?\s*$/.test(value) ? Number(value) : Number.NaN;
  return Number.isInteger(n) && n >= 1 && n <= 86_400 ? n : undefined;
}

const MAX_LAG_ERROR = "must be a whole number of seconds from 1 to 86400";
const maxLagSeconds = z
  .custom<string | number>((value) => typeof value === "string" || typeof value === "number", {
    error: MAX_LAG_ERROR,
  })
  .transform((value, ctx) => {
    const n = toMaxLagSeconds(value);
    if (n === undefined) {
      ctx.addIssue({ code: "custom", message: MAX_LAG_ERROR });
      return z.NEVER;
    }
    return n;
  });

/** Limits of the text fields, shared with the fast path. */
export const TICKER_PATTERN = /^[A-Za-z0-9._:/!^=&-]+$/;
export const TICKER_MAX = 64;
export const ACCOUNT_MAX = 128;
export const IDEMPOTENCY_KEY_MAX = 255;
export const COMMENT_MAX = 1024;

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
      .max(TICKER_MAX, `must be at most ${TICKER_MAX} characters`)
      .regex(TICKER_PATTERN, "contains characters a ticker cannot have")
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
    account: storableText().trim().min(1).max(ACCOUNT_MAX).optional(),
    idempotencyKey: storableText()
      .min(1, "must not be empty")
      .max(IDEMPOTENCY_KEY_MAX, `must be at most ${IDEMPOTENCY_KEY_MAX} characters`)
      .optional(),
    alertTime: timestamp.optional(),
    maxLagSeconds: maxLagSeconds.optional(),
    comment: storableText().max(COMMENT_MAX, `must be at most ${COMMENT_MAX} characters`).optional(),
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

/** What parseAlert hands the schema: every field of the v1 alert, aliases resolved, any value. */
export type AlertInput = { [K in keyof z.input<typeof alertInputSchema>]-?: unknown };

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
