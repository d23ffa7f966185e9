import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { alertFastPath } from "./alert-fast-path";
import {
  type AlertInput,
  alertInputSchema,
  type OrderAlert,
  orderActions,
  orderTypes,
  sentiments,
  timesInForce,
} from "./alert-schema";
import { orderAlertOf } from "./parse-alert";

/** The alert the schema makes of `input`, as parseAlert returns it; null when the schema refuses it. */
function viaSchema(input: AlertInput): OrderAlert | null {
  const result = alertInputSchema.safeParse(input);
  return result.success ? orderAlertOf(result.data) : null;
}

/** Every field present, as parseAlert builds the input; absent ones undefined. */
function fullInput(fields: Partial<AlertInput>): AlertInput {
  return {
    ticker: fields.ticker,
    action: fields.action,
    quantity: fields.quantity,
    orderType: fields.orderType,
    limitPrice: fields.limitPrice,
    stopPrice: fields.stopPrice,
    timeInForce: fields.timeInForce,
    takeProfit: fields.takeProfit,
    stopLoss: fields.stopLoss,
    signalPrice: fields.signalPrice,
    sentiment: fields.sentiment,
    account: fields.account,
    idempotencyKey: fields.idempotencyKey,
    alertTime: fields.alertTime,
    maxLagSeconds: fields.maxLagSeconds,
    comment: fields.comment,
  };
}

function show(value: unknown): string {
  return (
    JSON.stringify(value, (_, v) => (v === undefined ? "<undefined>" : v))?.slice(0, 600) ?? String(value)
  );
}

const wrongType = fc.constantFrom<unknown>(null, true, false, [], ["buy"], {}, { a: 1 }, 0, -1, Number.NaN);

/** Mostly near the edges of what each field accepts: padding, case, lengths at and past the limits. */
const pad = (s: fc.Arbitrary<string>) =>
  fc
    .tuple(
      fc.constantFrom("", " ", "\t", "\n", "\u00a0", "\ufeff", "\u2003"),
      s,
      fc.constantFrom("", " ", "\r\n"),
    )
    .map(([a, b, c]) => a + b + c);

const tickers = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9._:/!^=&-]{1,66}$/),
  pad(
    fc.constantFrom("NQ1!", "BTCUSDT.P", "binance:btcusdt", "es1!", "BRK/B", "X".repeat(64), "X".repeat(65)),
  ),
  fc.constantFrom("", " ", "A B", "AAPL\u0000", "ÄPFEL", "ß", "ﬀ", "AAPL;", "{{ticker}}"),
  fc.string({ maxLength: 8 }),
  wrongType,
);

const words = (values: readonly string[]) =>
  fc.oneof(
    fc.constantFrom(...values),
    pad(fc.constantFrom(...values).map((v) => v.toUpperCase())),
    fc.constantFrom(...values).map((v) => `${v[0]?.toUpperCase()}${v.slice(1)}`),
    fc.constantFrom(...values).map((v) => `${v}x`),
    fc.constantFrom("", " ", "BUY\u0000", "stop-limit", "stoplimit", "İ", "\u212a"),
    fc.string({ maxLength: 6 }),
    wrongType,
  );

const decimalTexts = fc.oneof(
  fc.constantFrom(
    "1",
    "0.5",
    "64000.25",
    " 1 ",
    "\t2\n",
    "01",
    "1.",
    ".5",
    "+1",
    "-1",
    "0",
    "0.000",
    "1e3",
    "1.50e1",
    "1e-18",
    "1e-19",
    "1E+2",
    "1e",
    "12345678901234567890",
    "123456789012345678901",
    "0.123456789012345678",
    "0.1234567890123456789",
    "1000",
    "1000.0",
    "1000.000001",
    "999.99",
    "1001",
    "{{close}}",
    "NaN",
    "Infinity",
    "0x10",
    "1_000",
    "\u00a01",
    "١",
  ),
  fc.double({ min: 0, max: 1e6, noNaN: true }).map(String),
  fc.stringMatching(/^[ ]?[+-]?\d{0,22}(\.\d{0,20})?([eE][+-]?\d{1,3})?[ ]?$/),
);

const decimalNumbers = fc.oneof(
  fc.integer({ min: -5, max: 2_000 }),
  fc.double({ noNaN: false }),
  fc.double({ min: 1e-20, max: 1e22 }),
  fc.constantFrom(1000, 1000.0000001, 1e20, 1e21, 5e-324, -0, Number.POSITIVE_INFINITY),
);

const decimals = fc.oneof(decimalTexts, decimalNumbers, wrongType);

const brackets = fc.oneof(
  fc.record({ price: decimals }),
  fc.record({ percent: decimals }),
  fc.record({ amount: decimals }),
  fc.record({ price: decimals, amount: decimals }),
  fc.constantFrom<unknown>(
    {},
    { Price: 1 },
    { price: undefined },
    JSON.parse('{"__proto__":{"price":1}}'),
    JSON.parse('{"price":1,"price":2}'),
    [1],
    null,
    "1",
    1,
  ),
);

const texts = (max: number) =>
  fc.oneof(
    fc.string({ maxLength: 20 }),
    fc.string({ unit: "binary", maxLength: 20 }),
    pad(fc.constantFrom("main", "Paper 1")),
    fc.constantFrom(
      "",
      " ",
      "   ",
      "\u0000",
      "a\u0000b",
      "\ud800",
      "a\udc00",
      "\ud83d\ude00",
      "x".repeat(max),
    ),
    fc.constantFrom(
      `${"x".repeat(max)} `,
      ` ${"x".repeat(max)}`,
      "x".repeat(max + 1),
      "\ud83d\ude00".repeat(max / 2),
    ),
    wrongType,
  );

const times = fc.oneof(
  fc.constantFrom(
    "2025-06-01T12:00:00Z",
    "2025-06-01T12:00:00.123456789Z",
    "2025-06-01T12:00Z",
    "2025-06-01 12:00:00+02:00",
    "2025-06-01t12:00:00+0200",
    "2025-06-01",
    "2024-02-29T00:00:00Z",
    "2025-02-29T00:00:00Z",
    "2025-06-01T24:00:00Z",
    "2025-06-01T12:00:00",
    " 2025-06-01T12:00:00Z ",
    "1700000000",
    " 1700000000 ",
    "1700000000000",
    "1700000000.5",
    "99999999999999999999",
    "1e10",
    "-1",
    "10000-01-01T00:00:00Z",
    "9999-12-31T23:59:59.999Z",
    "9999-12-31T23:59:59.9999Z",
    "1969-12-31T23:59:59Z",
    "yesterday",
    "",
  ),
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
  fc.integer({ min: -10, max: 2 ** 53 }),
  fc.double({ noNaN: false }),
  fc.constantFrom(0, -0, 1e11 - 1, 1e11, 253402300799999, 253402300800000, -0.4),
  wrongType,
);

const lags = fc.oneof(
  fc.integer({ min: -2, max: 90_000 }),
  fc.constantFrom(0, 1, 86_400, 86_401, 60.5, 1e-9, -0, Number.NaN),
  fc.constantFrom("60", " 60 ", "60.0", "60.", "60.5", "0", "86400", "86401", "1e2", "", "abc", "+60"),
  wrongType,
);

const maybe = <T>(arbitrary: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 1, arbitrary: fc.constant(undefined) }, { weight: 2, arbitrary });

/** Mostly a plain value (or none), sometimes one near the edge: most inputs are one detail away from valid. */
const edge = <T, U>(plain: fc.Arbitrary<T>, near: fc.Arbitrary<U>) =>
  fc.oneof({ weight: 14, arbitrary: plain }, { weight: 1, arbitrary: near });

/** Inputs near the accepted shape: each field absent, valid, or valid but for one detail. */
const nearValid = fc
  .record({
    ticker: edge(fc.constantFrom("NQ1!", "aapl", "BTCUSDT.P"), tickers),
    action: edge(fc.constantFrom(...orderActions), words(orderActions)),
    quantity: edge(fc.constantFrom(1, "2.5", "0.001", 12.25), maybe(decimals)),
    orderType: edge(
      fc.constantFrom(undefined, "market", "limit", "stop", "stop_limit"),
      maybe(words(orderTypes)),
    ),
    limitPrice: edge(fc.constantFrom(undefined, 100, "100.25"), maybe(decimals)),
    stopPrice: edge(fc.constantFrom(undefined, 99, "99.5"), maybe(decimals)),
    timeInForce: edge(fc.constantFrom(undefined, ...timesInForce), maybe(words(timesInForce))),
    takeProfit: edge(fc.constantFrom(undefined, { price: 110 }, { percent: "2" }), maybe(brackets)),
    stopLoss: edge(fc.constantFrom(undefined, { amount: 5 }), maybe(brackets)),
    signalPrice: edge(fc.constantFrom(undefined, 21_000.25, "21000.25"), maybe(decimals)),
    sentiment: edge(fc.constantFrom(undefined, ...sentiments), maybe(words(sentiments))),
    account: edge(fc.constantFrom(undefined, "main"), maybe(texts(128))),
    idempotencyKey: edge(fc.constantFrom(undefined, "k-1"), maybe(texts(255))),
    alertTime: edge(fc.constantFrom(undefined, "2025-06-01T12:00:00Z", 1_700_000_000), maybe(times)),
    maxLagSeconds: edge(fc.constantFrom(undefined), maybe(lags)),
    comment: edge(fc.constantFrom(undefined, "bench-1"), maybe(texts(1024))),
  })
  .map(fullInput);

/** Inputs the schema accepts, so the fast path is shown to take the alerts senders send. */
const valid = fc
  .record({
    ticker: fc.stringMatching(/^[A-Za-z0-9._:/!^=&-]{1,64}$/),
    action: fc.constantFrom(...orderActions),
    quantity: fc.oneof(fc.integer({ min: 1, max: 1e9 }), fc.constantFrom("1", "0.001", " 2.50 ", "1e2")),
    orderType: maybe(fc.constantFrom("market", "MARKET", " limit ", "stop", "stop_limit")),
    limitPrice: fc.constantFrom(100, "100.25"),
    stopPrice: fc.constantFrom(99, "99.5"),
    timeInForce: maybe(fc.constantFrom(...timesInForce)),
    takeProfit: maybe(fc.constantFrom({ price: 110 }, { percent: "1000" }, { amount: "2.5" })),
    stopLoss: maybe(fc.constantFrom({ price: "90" }, { percent: 0.5 })),
    signalPrice: maybe(fc.constantFrom(21_000.25, "21000.25")),
    sentiment: maybe(fc.constantFrom(...sentiments)),
    account: maybe(fc.constantFrom("main", " paper ")),
    idempotencyKey: maybe(fc.uuid()),
    alertTime: fc.oneof(
      fc.date({ min: new Date(0), max: new Date(2 ** 42), noInvalidDate: true }).map((d) => d.toISOString()),
      fc.integer({ min: 0, max: 2 ** 40 }),
    ),
    maxLagSeconds: maybe(fc.integer({ min: 1, max: 86_400 })),
    comment: maybe(fc.string({ maxLength: 1024 })),
  })
  .map(fullInput);

describe("alertFastPath", () => {
  it("returns exactly the schema's alert for every near-valid input, and null exactly where the schema refuses", () => {
    const outcomes = { accepted: 0, refused: 0 };
    fc.assert(
      fc.property(nearValid, (input) => {
        const expected = viaSchema(input);
        const fast = alertFastPath(input);
        expect(fast, show(input)).toStrictEqual(expected);
        expect(JSON.stringify(fast), show(input)).toBe(JSON.stringify(expected));
        outcomes[fast === null ? "refused" : "accepted"]++;
      }),
      { numRuns: 30_000 },
    );
    // Both sides of the boundary are exercised, not just one.
    expect(outcomes.accepted, JSON.stringify(outcomes)).toBeGreaterThan(1_000);
    expect(outcomes.refused, JSON.stringify(outcomes)).toBeGreaterThan(1_000);
  });

  it("takes every well-formed alert itself, with the schema's result", () => {
    fc.assert(
      fc.property(valid, (input) => {
        const fast = alertFastPath(input);
        expect(fast, show(input)).not.toBeNull();
        expect(fast, show(input)).toStrictEqual(viaSchema(input));
      }),
      { numRuns: 5_000 },
    );
  });

  it("takes the alerts of the bench and the TradingView templates in docs/tradingview.md", () => {
    for (const fields of [
      { ticker: "AAPL", action: "buy", quantity: 1, comment: "bench-1" },
      {
        ticker: "NQ1!",
        action: "buy",
        quantity: "1",
        signalPrice: "21000.25",
        alertTime: "2025-06-01T12:00:00Z",
      },
      { ticker: "BTCUSDT.P", action: "SELL", quantity: "0.5", sentiment: "flat" },
      { ticker: "ES1!", action: "exit" },
    ]) {
      const input = fullInput(fields);
      expect(alertFastPath(input), show(input)).not.toBeNull();
      expect(alertFastPath(input)).toStrictEqual(viaSchema(input));
    }
  });
});
