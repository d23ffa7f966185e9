import { OrderhookError } from "@orderhook/errors";
import type { OrderAlert } from "./alert-schema";
import { type NumberSources, parseAlert } from "./parse-alert";
import { findUnstorable, pathSegment } from "./storable";
import { readTradingViewOrderMessage } from "./tradingview-order-message";

// Cheap pre-checks on the text: only bodies that could spell a dangerous key (directly or
// through \u escapes) pay for the walk over the parsed tree. JSON text decoded from UTF-8 holds
// neither U+0000 (JSON forbids it raw) nor an unpaired surrogate (the decoder replaces those
// bytes): only a \u escape can produce what Postgres cannot store.
const SUSPICIOUS = /__proto__|constructor|\\u/;
const ESCAPE = /\\u/;

/** Alerts are nearly flat; anything deeper is refused before it reaches code that recurses. */
export const MAX_JSON_DEPTH = 32;

const EXPECTED =
  'Send a JSON object such as {"ticker":"NQ1!","action":"buy","quantity":"1"} (see docs/tradingview.md), ' +
  "or TradingView's default strategy message (Order buy @ 1 filled on NQ1!. New strategy position is 1).";

const TOO_DEEP = Symbol("too deep");

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
/** Characters of a JSON number after its first: digits, `.`, `e`/`E`, `+`, `-`. */
const isNumberPart = (c: number) =>
  isDigit(c) || c === 0x2e || c === 0x65 || c === 0x45 || c === 0x2b || c === 0x2d;

/** Members whose numbers are decimals: at the top level, and in the bracket objects. */
const DECIMAL_KEYS = ["quantity", "limitPrice", "stopPrice", "signalPrice", "price"];
const BRACKET_KEYS = ["takeProfit", "stopLoss"];
const BRACKET_DECIMAL_KEYS = ["price", "percent", "amount"];

/** Which of `names` the key between these quotes is, compared in place (no slice unless escaped). */
function keyIn(text: string, open: number, close: number, names: readonly string[]): string | null {
  if (open < 0) return null;
  for (let i = open + 1; i < close; i++) {
    if (text.charCodeAt(i) === 0x5c) {
      const key = JSON.parse(text.slice(open, close + 1)) as string;
      return names.includes(key) ? key : null;
    }
  }
  const length = close - open - 1;
  for (const name of names) if (name.length === length && text.startsWith(name, open + 1)) return name;
  return null;
}

/**
 * One pass over JSON text that JSON.parse has accepted: the deepest `{`/`[` nesting (brackets
 * in strings ignored; stops once past `limit`), and the source text of the numbers of the
 * alert's decimal members (`quantity`, `takeProfit.price`, …), which JSON.parse would round
 * through a double (whole numbers of up to 15 digits are left out: a double prints them back
 * exactly), and whether any number overflows a double. Node 20's JSON.parse has no `context.source`; this pass replaces the depth scan
 * the receiver ran anyway, so a body costs one walk over its text.
 */
function scanJson(text: string, limit: number): Scan | typeof TOO_DEEP {
  let sources: Map<string, string> | null = null;
  let overflow = false;
  let negativeZero = false;
  let depth = 0;
  // Where the next backslash is (-1: none): a string without one ends at the next quote.
  let backslash = text.indexOf("\\");
  let stringOpen = -1;
  let stringClose = -1;
  // Open/close quotes of the current key at depth 1 and 2, and of the depth-1 key holding the depth-2 object.
  let key1Open = -1;
  let key1Close = -1;
  let key2Open = -1;
  let key2Close = -1;
  let parentOpen = -1;
  let parentClose = -1;
  let object1 = false;
  let object2 = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // Skipped with indexOf, as most bodies have no escape: a walk char by char measured a
      // fifth of the parse. (JSON.parse accepted the text, so every string is closed.)
      stringOpen = i;
      let close = text.indexOf('"', i + 1);
      if (backslash !== -1 && backslash < close) {
        close = i + 1;
        while (close < text.length && text.charCodeAt(close) !== 0x22) {
          close += text.charCodeAt(close) === 0x5c ? 2 : 1;
        }
        backslash = text.indexOf("\\", close + 1);
      }
      if (close < 0) break;
      stringClose = close;
      i = close;
    } else if (c === 0x3a) {
      if (depth === 1) {
        key1Open = stringOpen;
        key1Close = stringClose;
      } else if (depth === 2) {
        key2Open = stringOpen;
        key2Close = stringClose;
      }
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > limit) return TOO_DEEP;
      if (depth === 1) object1 = c === 0x7b;
      else if (depth === 2) {
        object2 = c === 0x7b;
        parentOpen = key1Open;
        parentClose = key1Close;
      }
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    } else if (c === 0x2d || isDigit(c)) {
      let end = i + 1;
      let simple = c !== 0x2d;
      let exponent = false;
      while (end < text.length && isNumberPart(text.charCodeAt(end))) {
        const d = text.charCodeAt(end);
        if (!isDigit(d)) simple = false;
        if (d === 0x65 || d === 0x45) exponent = true;
        end++;
      }
      // Only an exponent or hundreds of digits can pass ±1.8e308, which JSON.parse makes ±Infinity.
      if ((exponent || end - i > 300) && !Number.isFinite(Number(text.slice(i, end)))) overflow = true;
      // -0 (or a negative number below a double's range): JSON.stringify writes it as 0.
      if (c === 0x2d && Number(text.slice(i, end)) === 0) negativeZero = true;
      const member = object1 && (depth === 1 || (depth === 2 && object2));
      if (member && (!simple || end - i > 15)) {
        let path: string | null = null;
        if (depth === 1) path = keyIn(text, key1Open, key1Close, DECIMAL_KEYS);
        else {
          const parent = keyIn(text, parentOpen, parentClose, BRACKET_KEYS);
          const key = parent === null ? null : keyIn(text, key2Open, key2Close, BRACKET_DECIMAL_KEYS);
          if (key !== null) path = `${parent}.${key}`;
        }
        if (path !== null) {
          sources ??= new Map();
          // A repeated key: JSON.parse keeps the last value, and so does this.
          sources.set(path, text.slice(i, end));
        }
      }
      i = end - 1;
    }
  }
  return { sources, overflow, negativeZero };
}

interface Scan {
  sources: NumberSources | null;
  /** Some number is beyond a double: JSON.parse made it ±Infinity, which no JSON can carry on. */
  overflow: boolean;
  /** Some number is -0, which JSON.stringify would write as 0. */
  negativeZero: boolean;
}

function findPoisonedKey(value: unknown, path: string): string | null {
  if (typeof value !== "object" || value === null) return null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findPoisonedKey(value[i], pathSegment(path, i));
      if (found !== null) return found;
    }
    return null;
  }
  for (const key of Object.keys(value)) {
    const child = (value as Record<string, unknown>)[key];
    const childPath = pathSegment(path, key);
    if (key === "__proto__") return childPath;
    if (key === "constructor" && typeof child === "object" && child !== null && "prototype" in child) {
      return `${childPath}.prototype`;
    }
    const found = findPoisonedKey(child, childPath);
    if (found !== null) return found;
  }
  return null;
}

function refuseUnstorable(value: unknown): void {
  const unstorable = findUnstorable(value);
  if (unstorable !== null) {
    throw new OrderhookError("invalid_order", {
      detail: `The alert has a value that cannot be stored: ${unstorable.field || "(body)"}.`,
      errors: [unstorable],
    });
  }
}

function tradingViewMessage(message: Record<string, unknown>, defaultQuantity: string | null): AlertBody {
  refuseUnstorable(message);
  return { raw: message, alert: parseAlert(message, null, defaultQuantity), json: null };
}

export interface AlertBody {
  /** The body as parsed, unknown fields included: the order's raw payload. */
  raw: Record<string, unknown>;
  alert: OrderAlert;
  /**
   * The JSON text `raw` was parsed from (after a byte order mark), when `JSON.parse` of it gives
   * what `JSON.parse(JSON.stringify(raw))` would: the job can carry it as it came instead of
   * serializing `raw` again. Null for TradingView's plain-text message, and for a body with a -0
   * (JSON.stringify writes 0).
   */
  json: string | null;
}

/**
 * An alert from the request body's text, whatever the Content-Type said (TradingView sends
 * text/plain): JSON after a byte order mark if there is one, or TradingView's default strategy
 * message. JSON numbers in the alert's decimal fields are read from their source text, so
 * nothing is rounded through a double. Refused: text that is neither (`malformed_json`, with
 * the expected shape in `detail`), bodies nested deeper than `MAX_JSON_DEPTH`, keys that would
 * poison an object prototype downstream (`__proto__`, `constructor.prototype`), anything
 * Postgres cannot store (U+0000, unpaired surrogates, in values or keys), and invalid fields
 * (`invalid_order`, each naming its JSON path). `defaultQuantity`: see `parseAlert`.
 */
export function parseAlertBody(body: string, defaultQuantity: string | null = null): AlertBody {
  // Buffer#toString keeps a UTF-8 byte order mark (Windows tools prepend one) and JSON.parse refuses it.
  const text = body.charCodeAt(0) === 0xfeff ? body.slice(1) : body;
  // Text that does not open with a brace is tried as TradingView's default message before
  // JSON.parse, whose refusal (a SyntaxError) measured most of reading one. No JSON text is
  // that message (after letters it ends in a digit or a dot: only a JSON number ends so, and
  // none has letters), so the order changes no answer. Text opening with a brace is JSON as
  // it was: one pass of the regex over it would cost every JSON alert.
  const message = text.charCodeAt(0) === 0x7b ? null : readTradingViewOrderMessage(text);
  if (message !== null) return tradingViewMessage(message, defaultQuantity);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const fromMessage = text.charCodeAt(0) === 0x7b ? readTradingViewOrderMessage(text) : null;
    if (fromMessage === null) {
      throw new OrderhookError("malformed_json", {
        detail: `The body is not valid JSON (${(error as Error).message}). ${EXPECTED}`,
      });
    }
    return tradingViewMessage(fromMessage, defaultQuantity);
  }
  // Valid JSON nested thousands deep would overflow the stack of a recursive serializer
  // downstream (the enqueue) and come back as a 5xx; it is the sender's error, so a 4xx.
  const scan = scanJson(text, MAX_JSON_DEPTH);
  if (scan === TOO_DEEP) {
    throw new OrderhookError("invalid_order", {
      detail: `The body is nested deeper than ${MAX_JSON_DEPTH} levels.`,
      errors: [{ field: "", message: `nested deeper than ${MAX_JSON_DEPTH} levels` }],
    });
  }
  const suspicious = SUSPICIOUS.test(text);
  if (suspicious) {
    const key = findPoisonedKey(value, "");
    if (key !== null) {
      throw new OrderhookError("invalid_order", {
        detail: "The body contains a key that is never accepted.",
        errors: [{ field: key, message: "forbidden key (prototype pollution)" }],
      });
    }
  }
  // The alert's own fields first: their errors are the more precise ones.
  const alert = parseAlert(value, scan.sources, defaultQuantity);
  if (scan.overflow || (suspicious && ESCAPE.test(text))) refuseUnstorable(value);
  return { raw: value as Record<string, unknown>, alert, json: scan.negativeZero ? null : text };
}
