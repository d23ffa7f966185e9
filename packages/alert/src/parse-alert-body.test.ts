import { OrderhookError } from "@orderhook/errors";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { orderAlertSchema } from "./alert-schema";
import { parseDecimal } from "./decimal";
import { MAX_JSON_DEPTH, parseAlertBody } from "./parse-alert-body";
import { findUnstorable } from "./storable";
import { readTradingViewOrderMessage } from "./tradingview-order-message";

const ALERT = '"ticker":"AAPL","action":"buy","quantity":1';

function refusal(text: string): { code: string; errors: unknown; detail: string } | null {
  try {
    parseAlertBody(text);
    return null;
  } catch (error) {
    expect(error).toBeInstanceOf(OrderhookError);
    const { code, errors, message } = error as OrderhookError;
    return { code, errors, detail: message };
  }
}

/** The raw payload parseAlertBody reads from `text`, or null when it refuses it. */
function parseAlertBodyOrNull(text: string): Record<string, unknown> | null {
  try {
    return parseAlertBody(text).raw;
  } catch {
    return null;
  }
}

describe("parseAlertBody", () => {
  it("parses JSON, including harmless uses of the word constructor, and keeps the body as the raw payload", () => {
    expect(parseAlertBody(`{${ALERT},"comment":"constructor"}`).raw).toEqual({
      ticker: "AAPL",
      action: "buy",
      quantity: 1,
      comment: "constructor",
    });
    expect(parseAlertBody(`{${ALERT},"constructor":"x"}`).raw).toMatchObject({ constructor: "x" });
  });

  it("refuses text that is not JSON as malformed_json, showing the JSON it expects", () => {
    for (const text of ["{", "", "ticker=AAPL&action=buy", "buy AAPL 1"]) {
      const problem = refusal(text);
      expect(problem?.code, text).toBe("malformed_json");
      expect(problem?.detail, text).toContain('{"ticker":"NQ1!","action":"buy","quantity":"1"}');
      expect(problem?.detail, text).toContain("not valid JSON");
    }
  });

  it("skips a leading UTF-8 byte order mark, and only a leading one", () => {
    expect(parseAlertBody(`\uFEFF{${ALERT}}`).alert.ticker).toBe("AAPL");
    expect(refusal(`\uFEFF\uFEFF{${ALERT}}`)?.code).toBe("malformed_json");
    expect(refusal(`{${ALERT}}\uFEFF`)?.code).toBe("malformed_json");
  });

  it("refuses __proto__ keys, also when spelled with unicode escapes or nested in arrays", () => {
    expect(refusal(`{${ALERT},"__proto__":{"x":1}}`)).toMatchObject({
      code: "invalid_order",
      errors: [{ field: "__proto__", message: "forbidden key (prototype pollution)" }],
    });
    expect(refusal(`{${ALERT},"a":[{"\\u005f_proto__":1}]}`)?.errors).toEqual([
      { field: "a[0].__proto__", message: "forbidden key (prototype pollution)" },
    ]);
  });

  it("refuses constructor.prototype", () => {
    expect(refusal(`{${ALERT},"constructor":{"prototype":{"polluted":true}}}`)?.errors).toEqual([
      { field: "constructor.prototype", message: "forbidden key (prototype pollution)" },
    ]);
  });

  it("refuses bodies nested deeper than the limit with invalid_order, counting only brackets outside strings", () => {
    const deep = `{"ticker":"AAPL","extra":${"[".repeat(5000)}1${"]".repeat(5000)}}`;
    expect(refusal(deep)).toMatchObject({
      code: "invalid_order",
      errors: [{ field: "", message: `nested deeper than ${MAX_JSON_DEPTH} levels` }],
    });
    const atLimit = `{${ALERT},"extra":${"[".repeat(MAX_JSON_DEPTH - 1)}${"]".repeat(MAX_JSON_DEPTH - 1)}}`;
    expect(parseAlertBody(atLimit).raw.extra).toBeInstanceOf(Array);
    const bracketsInText = JSON.stringify({
      ticker: "AAPL",
      action: "exit",
      comment: "[".repeat(100),
      quote: '\\"[[[',
    });
    expect(parseAlertBody(bracketsInText).raw).toEqual(JSON.parse(bracketsInText));
  });

  it("refuses what Postgres cannot store — NUL or an unpaired surrogate in any value or key — naming its path", () => {
    const cases: [string, string][] = [
      [`{${ALERT},"comment":"\\ud800x"}`, "comment"],
      [`{${ALERT},"note":"\\udc00"}`, "note"],
      [`{${ALERT},"meta":{"tags":["ok","a\\u0000b"]}}`, "meta.tags[1]"],
      [`{${ALERT},"meta":{"\\u0000":1}}`, 'meta."\\u0000"'],
      [`{${ALERT},"\\ud83dx":1}`, '"\\ud83dx"'],
      [`{"ticker":"AAPL","action":"exit","account":"a\\u0000"}`, "account"],
    ];
    for (const [text, field] of cases) {
      const problem = refusal(text);
      expect(problem?.code, text).toBe("invalid_order");
      expect(problem?.errors, text).toEqual([
        { field, message: expect.stringMatching(/cannot be stored|not valid Unicode/) },
      ]);
    }
  });

  it("refuses numbers beyond a double anywhere, which JSON.parse turns into Infinity, naming their path", () => {
    expect(refusal(`{${ALERT},"extra":{"deep":[1,-1e999]}}`)?.errors).toEqual([
      {
        field: "extra.deep[1]",
        message: "is a number beyond ±1.8e308, which cannot be stored (send it as a string)",
      },
    ]);
    expect(refusal(`{${ALERT},"big":${"9".repeat(400)}}`)?.errors).toMatchObject([{ field: "big" }]);
    expect(refusal('{"ticker":"A","action":"buy","quantity":1e400}')?.errors).toEqual([
      { field: "quantity", message: "must have at most 20 digits before the decimal point" },
    ]);
    // Underflow is not overflow: 1e-400 is kept as JSON.parse reads it (0) in an unknown field.
    expect(parseAlertBody(`{${ALERT},"tiny":1e-400}`).raw.tiny).toBe(0);
  });

  it("accepts escaped characters Postgres can store, surrogate pairs included", () => {
    const { raw } = parseAlertBody(
      `{${ALERT},"comment":"\\ud83d\\ude00 \\u00e9 \\u0001","\\ud83d\\ude80":"ok"}`,
    );
    expect(raw.comment).toBe("😀 é \u0001");
    expect(raw["🚀"]).toBe("ok");
  });

  it("reads JSON numbers of decimal fields from their source text, never through a double", () => {
    const text =
      '{"ticker":"BTCUSD","action":"buy","quantity":0.123456789012345678,"orderType":"stop_limit",' +
      '"limitPrice":624580925.81617162,"stopPrice":1.50,"price":1e-7,' +
      '"takeProfit":{"price":624580925.81617162},"stopLoss":{"percent":2.50}}';
    const { alert, raw } = parseAlertBody(text);
    expect(alert).toMatchObject({
      quantity: "0.123456789012345678",
      limitPrice: "624580925.81617162",
      stopPrice: "1.50",
      signalPrice: "0.0000001",
      takeProfit: { price: "624580925.81617162" },
      stopLoss: { percent: "2.50" },
    });
    // The raw payload stays what JSON.parse made of the body.
    expect(raw.quantity).toBe(0.12345678901234568);
  });

  it("takes the last of repeated keys for a number, as JSON.parse does", () => {
    expect(
      parseAlertBody(`{"ticker":"A","action":"buy","quantity":1.10,"quantity":2.20}`).alert.quantity,
    ).toBe("2.20");
    expect(
      parseAlertBody(`{"ticker":"A","action":"buy","quantity":1.10,"quantity":"3.30"}`).alert.quantity,
    ).toBe("3.30");
    expect(parseAlertBody(`{"ticker":"A","action":"buy","qu\\u0061ntity":1.10}`).alert.quantity).toBe("1.10");
  });

  it("ignores numbers in strings, arrays and deeper objects when reading number sources", () => {
    const text =
      '{"ticker":"A","action":"buy","quantity":"5","comment":"\\"quantity\\":9.99","extra":[1.5,{"quantity":2.5}],' +
      '"deep":{"a":{"quantity":3.5}}}';
    expect(parseAlertBody(text).alert.quantity).toBe("5");
  });

  it("finds number sources and nesting past strings full of escapes, quotes, brackets and digits", () => {
    const tricky = fc
      .array(fc.constantFrom('"', "\\", "[", "]", "{", "}", ":", ",", "1.5", "u", "\u0041", "é", " "), {
        maxLength: 12,
      })
      .map((parts) => JSON.stringify(parts.join("")));
    fc.assert(
      fc.property(tricky, tricky, tricky, tricky, (a, b, c, d) => {
        const text = `{${a}:${b},"ticker":"X","action":"buy","quantity":1.50,${c}:[${d},2.5],"x":{${d}:${a}},"takeProfit":{"price":2.50}}`;
        const { alert, raw } = parseAlertBody(text);
        expect(alert.quantity, text).toBe("1.50");
        expect(alert.takeProfit, text).toEqual({ price: "2.50" });
        expect(raw, text).toEqual(JSON.parse(text));
      }),
      { numRuns: 1_000 },
    );
  });

  it("reads TradingView's default strategy message as the equivalent alert", () => {
    const { alert, raw } = parseAlertBody("Order buy @ 1 filled on NQ1!. New strategy position is 1");
    expect(alert).toMatchObject({ ticker: "NQ1!", action: "buy", quantity: "1", sentiment: "long" });
    expect(raw).toMatchObject({ message: "Order buy @ 1 filled on NQ1!. New strategy position is 1" });
  });

  it("reads the default message also after a prefix opening with a brace, and no JSON text is the message", () => {
    const braced = "{Strategy}: Order sell @ 2 filled on NQ1!. New strategy position is -2";
    expect(parseAlertBody(braced).alert).toMatchObject({
      ticker: "NQ1!",
      action: "sell",
      sentiment: "short",
    });
    // The message is tried before JSON.parse: that changes no answer only if no JSON text matches it.
    const messageLike = fc
      .tuple(
        fc.oneof(
          fc.constant(""),
          fc.jsonValue({ maxDepth: 2 }).map((v) => `${JSON.stringify(v)}: `),
        ),
        fc.constantFrom(
          "Order buy @ 1 filled on NQ1!. New strategy position is 1",
          "order SELL @ 0.5 filled on X. new strategy position is 0.",
        ),
        fc.constantFrom("", " ", "\n", '"', "}", "]", "1", "e1", ".0"),
      )
      .map(([prefix, text, suffix]) => prefix + text + suffix);
    const jsonText = fc.jsonValue().map((v) => JSON.stringify(v));
    fc.assert(
      fc.property(
        fc.oneof(
          messageLike,
          jsonText,
          jsonText.map((t) => ` ${t}\n`),
        ),
        (text) => {
          if (readTradingViewOrderMessage(text) === null) return;
          expect(() => JSON.parse(text), text).toThrow(SyntaxError);
          expect(parseAlertBodyOrNull(text)?.message, text).toBe(text);
        },
      ),
      { numRuns: 3_000 },
    );
  });

  it("reads any in-bounds JSON number of a decimal field as the decimal its text spells", () => {
    const digits = (max: number) =>
      fc.array(fc.constantFrom(..."0123456789"), { minLength: 1, maxLength: max }).map((d) => d.join(""));
    const number = fc
      .tuple(
        fc.oneof(
          fc.constant("0"),
          fc.tuple(fc.constantFrom(..."123456789"), digits(19)).map(([a, b]) => a + b),
        ),
        fc.option(digits(18), { nil: undefined }),
        fc.option(fc.integer({ min: -3, max: 3 }), { nil: undefined }),
      )
      .map(([whole, fraction, exponent]) => {
        const text = fraction === undefined ? whole : `${whole}.${fraction}`;
        return exponent === undefined ? text : `${text}e${exponent}`;
      })
      .filter((text) => typeof parseDecimal(text) === "string");
    fc.assert(
      fc.property(number, fc.constantFrom("quantity", "limitPrice", "price"), (text, field) => {
        const body = `{"ticker":"X","action":"buy","quantity":1,"orderType":"limit","limitPrice":1,"${field}":${text},"takeProfit":{"price":${text}}}`;
        const { alert } = parseAlertBody(body);
        const expected = parseDecimal(text);
        expect(alert[field === "price" ? "signalPrice" : (field as "quantity" | "limitPrice")], body).toBe(
          expected,
        );
        expect(alert.takeProfit, body).toEqual({ price: expected });
      }),
      { numRuns: 1_000 },
    );
  });

  it("never accepts what Postgres cannot store, whatever the JSON", () => {
    const anyString = fc.string({ unit: "binary", maxLength: 20 });
    const body = fc
      .record({
        extra: fc.jsonValue({ maxDepth: 3, stringUnit: "binary" }),
        key: anyString,
        comment: anyString,
        value: anyString,
      })
      .map(({ extra, key, comment, value }) =>
        JSON.stringify({ ticker: "AAPL", action: "exit", comment, [key]: value, extra }),
      );
    let accepted = 0;
    fc.assert(
      fc.property(body, (text) => {
        try {
          const { raw, alert } = parseAlertBody(text);
          accepted++;
          expect(findUnstorable(raw), text).toBeNull();
          expect(orderAlertSchema.safeParse(JSON.parse(JSON.stringify(alert))).success, text).toBe(true);
        } catch (error) {
          expect((error as OrderhookError).code, text).toBe("invalid_order");
        }
      }),
      { numRuns: 2_000 },
    );
    expect(accepted).toBeGreaterThan(0);
  });
});
