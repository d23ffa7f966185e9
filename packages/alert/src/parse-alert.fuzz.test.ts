import { OrderhookError } from "@orderhook/errors";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { orderActions, orderAlertSchema, orderTypes, sentiments, timesInForce } from "./alert-schema";
import { parseAlert } from "./parse-alert";

/**
 * The one promise parseAlert makes to the receiver: whatever the body, it either returns an
 * alert that fits the job contract (and survives the JSON trip through Redis) or throws
 * `invalid_order` with field errors. Any other outcome would be a 500.
 */
function assertCleanOutcome(body: unknown): "accepted" | "refused" {
  let alert: ReturnType<typeof parseAlert>;
  try {
    alert = parseAlert(body);
  } catch (error) {
    if (!(error instanceof OrderhookError) || error.code !== "invalid_order") {
      throw new Error(`parseAlert threw ${String(error)} for ${safeJson(body)}`);
    }
    expect(error.errors?.length, error.message).toBeGreaterThan(0);
    for (const fieldError of error.errors ?? []) expect(typeof fieldError.field).toBe("string");
    return "refused";
  }
  const json = JSON.parse(JSON.stringify(alert));
  const trip = orderAlertSchema.safeParse(json);
  if (!trip.success) {
    throw new Error(
      `accepted ${safeJson(body)} as ${safeJson(alert)}, which the job contract refuses: ${trip.error.message}`,
    );
  }
  expect(trip.data).toEqual(json);
  return "accepted";
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value)?.slice(0, 500) ?? String(value);
  } catch {
    return String(value);
  }
}

function nest(depth: number, leaf: unknown, asArray: boolean): unknown {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = asArray ? [value] : { a: value };
  return value;
}

const oddStrings = fc.constantFrom(
  "",
  " ",
  "\u0000",
  "\ud800",
  "\u202e",
  "💥",
  "١٢٣",
  "NaN",
  "Infinity",
  "-Infinity",
  "-0",
  "1e309",
  "1e-400",
  "0x10",
  "1_000",
  " 42 ",
  "42abc",
  "{{close}}",
  "null",
  "true",
  "__proto__",
  "constructor",
  "x".repeat(5_000),
);

const hugeNumbers = fc.constantFrom(
  1e308,
  -1e308,
  1e21,
  1e12,
  1e12 + 1,
  Number.MAX_SAFE_INTEGER + 2,
  5e-324,
  -0,
  0,
  Number.NaN,
  Number.POSITIVE_INFINITY,
);

/** Wrong types and hostile values for any field. */
const junk = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.string({ unit: "binary", maxLength: 300 }),
  oddStrings,
  hugeNumbers,
  fc.double(),
  fc.bigInt({ min: -(10n ** 400n), max: 10n ** 400n }).map(String),
  fc.nat({ max: 3_000 }).map((depth) => nest(depth, 1, depth % 2 === 0)),
);

const numberish = fc.oneof(
  fc.integer(),
  fc.double({ min: -1e13, max: 1e13, noNaN: true }),
  fc.double({ min: 0.0001, max: 1e12, noNaN: true }).map(String),
  fc.constantFrom("1e12", "1e13", "0.0000001", "12.5", "-3"),
);

const field = <T>(valid: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 4, arbitrary: valid }, { weight: 1, arbitrary: junk });

const word = <T extends string>(values: readonly T[]) =>
  fc.oneof(
    fc.constantFrom(...values),
    fc.constantFrom(...values).map((v) => ` ${v.toUpperCase()} `),
    fc.string({ maxLength: 12 }),
  );

const bracketish = fc.oneof(
  fc.record({ price: numberish }),
  fc.record({ percent: numberish }),
  fc.record({ amount: numberish }),
  fc.record({ price: numberish, amount: numberish }),
  fc.dictionary(fc.string({ maxLength: 8 }), numberish, { maxKeys: 3 }),
);

const timestampish = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
  fc.constantFrom("2025-06-01T12:00:00Z", "yesterday", "99999999999999999999", "1e400", "8640000000000001"),
);

/** Bodies shaped like alerts: every field present or not, mostly plausible, sometimes junk. */
const alertShaped = fc.record(
  {
    ticker: field(fc.stringMatching(/^[A-Za-z0-9._:/!^=&-]{1,70}$/)),
    symbol: field(fc.stringMatching(/^[A-Z]{1,6}$/)),
    action: field(word(orderActions)),
    quantity: field(numberish),
    orderType: field(word(orderTypes)),
    limitPrice: field(numberish),
    stopPrice: field(numberish),
    timeInForce: field(word(timesInForce)),
    takeProfit: field(bracketish),
    stopLoss: field(bracketish),
    signalPrice: field(numberish),
    price: field(numberish),
    sentiment: field(word(sentiments)),
    account: field(fc.string({ maxLength: 140 })),
    idempotencyKey: field(fc.string({ maxLength: 300 })),
    alertTime: field(timestampish),
    time: field(timestampish),
    maxLagSeconds: field(numberish),
    comment: field(fc.string({ unit: "binary", maxLength: 1_100 })),
    strategy: fc.jsonValue({ maxDepth: 4 }),
  },
  { requiredKeys: [] },
);

describe("parseAlert under fuzzing", () => {
  it("answers any JSON value with a valid alert or invalid_order, never another error", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (body) => {
        assertCleanOutcome(body);
      }),
      { numRuns: 2_000 },
    );
  });

  it("answers alert-shaped bodies with wrong types, huge numbers and odd strings cleanly", () => {
    const outcomes = { accepted: 0, refused: 0 };
    fc.assert(
      fc.property(alertShaped, (body) => {
        outcomes[assertCleanOutcome(body)]++;
      }),
      { numRuns: 2_000 },
    );
    expect(outcomes.refused, JSON.stringify(outcomes)).toBeGreaterThan(0);
  });

  it("answers a valid alert with exactly one field replaced by junk cleanly", () => {
    const base = {
      ticker: "BTCUSD",
      action: "buy",
      quantity: 1,
      orderType: "stop_limit",
      limitPrice: 100,
      stopPrice: 99,
      alertTime: "2025-06-01T12:00:00Z",
      maxLagSeconds: 60,
    };
    const names = [...Object.keys(base), "takeProfit", "stopLoss", "signalPrice", "sentiment", "account"];
    const mutated = fc
      .record({ name: fc.constantFrom(...names), value: fc.oneof(junk, numberish, timestampish, bracketish) })
      .map(({ name, value }) => ({ ...base, [name]: value }));
    fc.assert(
      fc.property(mutated, (body) => {
        assertCleanOutcome(body);
      }),
      { numRuns: 2_000 },
    );
  });

  it("accepts every well-formed alert and normalizes its enums and ticker", () => {
    // Doubles rounded to 8 places stay within 18 decimals whatever String() prints for them.
    const eightPlaces = (min: number, max: number) =>
      fc.double({ min, max, noNaN: true }).map((d) => Math.max(min, Math.round(d * 1e8) / 1e8));
    const wellFormed = fc
      .record({
        ticker: fc.stringMatching(/^[A-Za-z0-9.]{1,12}$/),
        action: fc.constantFrom(...orderActions),
        quantity: eightPlaces(0.001, 1e9),
        orderType: fc.constantFrom(...orderTypes),
        price: eightPlaces(0.01, 1e6),
        timeInForce: fc.constantFrom(...timesInForce),
        shout: fc.boolean(),
      })
      .map(({ orderType, price, shout, ...rest }) => ({
        ...rest,
        action: shout ? rest.action.toUpperCase() : rest.action,
        orderType: shout ? orderType.toUpperCase() : orderType,
        limitPrice: String(price),
        stopPrice: price,
      }));
    fc.assert(
      fc.property(wellFormed, (body) => {
        expect(assertCleanOutcome(body), safeJson(body)).toBe("accepted");
        const alert = parseAlert(body);
        expect(alert.ticker).toBe(body.ticker.toUpperCase());
        expect(alert.action).toBe(body.action.toLowerCase());
        expect(alert.limitPrice).toBe(body.limitPrice);
      }),
      { numRuns: 500 },
    );
  });

  it("refuses alert times Postgres or a Date cannot hold, which the job contract would refuse after the ack", () => {
    for (const alertTime of [
      2 ** 53,
      1e300,
      -1e300,
      "99999999999999999999",
      -1_000_000_000_000,
      253402300800000,
    ]) {
      expect(assertCleanOutcome({ ticker: "AAPL", action: "exit", alertTime }), String(alertTime)).toBe(
        "refused",
      );
    }
  });

  it("reads a time in TradingView's {{timenow}} layout exactly as Date.parse does, and refuses days that do not exist", () => {
    const seconds = fc.date({
      min: new Date("1960-01-01"),
      max: new Date("9999-12-31T23:59:59Z"),
      noInvalidDate: true,
    });
    fc.assert(
      fc.property(seconds, (date) => {
        const timenow = `${date.toISOString().slice(0, 19)}Z`;
        const ms = Date.parse(timenow);
        const read = () => parseAlert({ ticker: "AAPL", action: "exit", alertTime: timenow }).alertTime;
        if (ms < 0) expect(read, timenow).toThrow(OrderhookError);
        else expect(read(), timenow).toBe(ms);
      }),
      { numRuns: 2_000 },
    );
    for (const timenow of [
      "2025-02-29T00:00:00Z",
      "2025-04-31T00:00:00Z",
      "2025-06-01T24:00:00Z",
      "2025-06-01T12:60:00Z",
      "2025-06-01T12:00:60Z",
      "2025-13-01T00:00:00Z",
      "2025-00-01T00:00:00Z",
    ]) {
      expect(() => parseAlert({ ticker: "AAPL", action: "exit", alertTime: timenow }), timenow).toThrow(
        OrderhookError,
      );
    }
    expect(parseAlert({ ticker: "AAPL", action: "exit", alertTime: "2024-02-29T23:59:59Z" }).alertTime).toBe(
      Date.parse("2024-02-29T23:59:59Z"),
    );
  });

  it("survives nesting thousands of levels deep, inside known and unknown fields", () => {
    for (const depth of [1_000, 10_000]) {
      for (const asArray of [true, false]) {
        const deep = nest(depth, { price: 1 }, asArray);
        assertCleanOutcome({ ticker: "AAPL", action: "buy", quantity: 1, takeProfit: deep });
        expect(assertCleanOutcome({ ticker: "AAPL", action: "buy", quantity: 1, extra: deep })).toBe(
          "accepted",
        );
        assertCleanOutcome(deep);
      }
    }
  });

  it("treats __proto__ and constructor keys as data and leaves prototypes untouched", () => {
    fc.assert(
      fc.property(fc.constantFrom("__proto__", "constructor", "prototype"), fc.jsonValue(), (key, value) => {
        const body = JSON.parse(
          `{"ticker":"AAPL","action":"buy","quantity":1,${JSON.stringify(key)}:${JSON.stringify({ polluted: value, prototype: { polluted: value } })}}`,
        );
        assertCleanOutcome(body);
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
        expect(Object.prototype).not.toHaveProperty("polluted");
      }),
      { numRuns: 300 },
    );
  });
});
