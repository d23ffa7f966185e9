import { randomUUID } from "node:crypto";
import { parseAlertBody } from "@orderhook/alert";
import { OrderhookError } from "@orderhook/errors";
import { ORDER_JOB_VERSION, type OrderJob, orderJobSchema } from "@orderhook/queue";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { orderJobJson } from "./order-job-json";

/** The job the receiver would queue for this body, or null when the body is refused. */
function jobFor(body: string, idempotencyKey: string | null, receivedAt: number) {
  let parsed: ReturnType<typeof parseAlertBody>;
  try {
    parsed = parseAlertBody(body, "1");
  } catch (error) {
    if (error instanceof OrderhookError && error.status < 500) return null;
    throw error;
  }
  const job: OrderJob = {
    v: ORDER_JOB_VERSION,
    orderId: randomUUID(),
    userId: randomUUID(),
    webhookId: randomUUID(),
    accountId: randomUUID(),
    idempotencyKey,
    alert: parsed.alert,
    raw: parsed.raw,
    receivedAt,
  };
  return { job, json: parsed.json };
}

/** What the worker reads is what it read when the receiver serialized the whole job. */
function assertSameAsStringify(
  body: string,
  idempotencyKey: string | null = null,
  receivedAt = 1_767_225_600_123,
) {
  const built = jobFor(body, idempotencyKey, receivedAt);
  if (built === null) return "refused";
  const expected = JSON.parse(JSON.stringify(built.job));
  const text = orderJobJson(built.job, built.json);
  const read = JSON.parse(text);
  // toStrictEqual tells -0 from 0; the second comparison checks the keys' order too.
  expect(read, text).toStrictEqual(expected);
  expect(JSON.stringify(read), text).toBe(JSON.stringify(expected));
  expect(orderJobSchema.safeParse(read).success, text).toBe(orderJobSchema.safeParse(expected).success);
  return built.json === null ? "serialized" : "spliced";
}

const space = fc.constantFrom("", "", "", " ", "\n", "\t", "\r\n  ");

/** JSON text of a string: as JSON.stringify writes it, or every character \u-escaped, or with \/. */
const stringText = (arbitrary: fc.Arbitrary<string>) =>
  fc.tuple(arbitrary, fc.constantFrom("plain", "escaped", "slash")).map(([s, how]) => {
    if (how === "escaped") {
      return `"${[...s].map((ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`).join("")}"`;
    }
    const plain = JSON.stringify(s);
    return how === "slash" ? plain.replaceAll("/", "\\/") : plain;
  });

/** Number spellings, -0 and values past a double's range and precision included. */
const numberText = fc.oneof(
  fc.integer().map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => JSON.stringify(n)),
  fc.constantFrom(
    "-0",
    "-0.0",
    "-0e5",
    "-1e-400",
    "1e-400",
    "0.0",
    "1E+2",
    "1.50",
    "2.5e-3",
    "123456789012345678901234567890",
    "0.1000000000000000055511151231257827",
    "-12.75",
    "1e308",
    "1e309",
  ),
);

const valueText: fc.Arbitrary<string> = fc.letrec<{ value: string }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    stringText(fc.string({ unit: "binary", maxLength: 12 })),
    numberText,
    fc.constantFrom("true", "false", "null"),
    fc.array(tie("value"), { maxLength: 3 }).map((items) => `[${items.join(",")}]`),
    fc
      .array(
        fc.tuple(stringText(fc.constantFrom("a", "b", "price", "__proto__", "0", "1", "x y")), tie("value")),
        {
          maxLength: 3,
        },
      )
      .map((members) => `{${members.map(([k, v]) => `${k}:${v}`).join(",")}}`),
  ),
})).value;

/** Mostly acceptable alert fields, so most bodies are queued. */
const alertMember = fc.oneof(
  fc.constantFrom(
    ['"ticker"', '"AAPL"'],
    ['"ticker"', '"nq1!"'],
    ['"symbol"', '"BTCUSD"'],
    ['"action"', '"buy"'],
    ['"action"', '"SELL"'],
    ['"action"', '"exit"'],
    ['"quantity"', "1"],
    ['"quantity"', '"0.00125"'],
    ['"quantity"', "1.50"],
    ['"quantity"', "12345678901234567.5"],
    ['"orderType"', '"limit"'],
    ['"limitPrice"', "101.25"],
    ['"stopPrice"', '"99"'],
    ['"timeInForce"', '"gtc"'],
    ['"takeProfit"', '{"price":"110"}'],
    ['"stopLoss"', '{ "percent" : 2.5 }'],
    ['"price"', "64000.25"],
    ['"sentiment"', '"long"'],
    ['"alertTime"', '"2026-01-01T00:00:00Z"'],
    ['"idempotencyKey"', '"k-\\"1\\""'],
    ['"comment"', '"line\\nbreak \\u00e9 \\ud83d\\udca5 </script>"'],
  ),
  fc.tuple(
    fc.constantFrom('"comment"', '"account"', '"idempotencyKey"'),
    stringText(fc.string({ maxLength: 20 })),
  ),
  fc.tuple(stringText(fc.string({ maxLength: 6 })), valueText),
);

/** An alert body as a sender might write it: any spacing, repeated keys, odd spellings, a BOM. */
const bodyText = fc
  .tuple(
    fc
      .constantFrom('"ticker"', '"symbol"')
      .chain((key) => fc.tuple(fc.constant(key), stringText(fc.constantFrom("AAPL", "ES1!", "eurusd")))),
    fc.tuple(fc.constant('"action"'), stringText(fc.constantFrom("buy", "sell", "exit", "cancel"))),
    fc.array(alertMember, { maxLength: 8 }),
    fc.array(space, { minLength: 8, maxLength: 8 }),
    fc.boolean(),
  )
  .map(([ticker, action, rest, [s0, s1, s2, s3, s4, s5, s6, s7], bom]) => {
    const members = [ticker, action, ...rest].map(
      ([k, v], i) => `${i % 2 ? s1 : s2}${k}${s3}:${s4}${v}${s5}`,
    );
    return `${bom ? "\uFEFF" : ""}${s0}{${members.join(",")}${s6}}${s7}`;
  });

describe("orderJobJson", () => {
  it("reads back as JSON.stringify(job) does, for alert bodies with any spacing, spelling and repeated keys", () => {
    const outcomes = { spliced: 0, serialized: 0, refused: 0 };
    fc.assert(
      fc.property(
        bodyText,
        fc.option(fc.string({ unit: "binary", minLength: 1, maxLength: 40 })),
        fc.integer({ min: 1, max: 253_402_300_799_999 }),
        (body, key, receivedAt) => {
          outcomes[assertSameAsStringify(body, key, receivedAt)]++;
        },
      ),
      { numRuns: 3_000 },
    );
    // The property is about queued alerts: most generated bodies must be queued, both ways.
    expect(outcomes.spliced, JSON.stringify(outcomes)).toBeGreaterThan(1_000);
    expect(outcomes.serialized, JSON.stringify(outcomes)).toBeGreaterThan(0);
  });

  it("reads back as JSON.stringify(job) does for any JSON value the body holds", () => {
    fc.assert(
      fc.property(valueText, (value) => {
        assertSameAsStringify(`{"ticker":"AAPL","action":"buy","quantity":1,"extra":${value}}`);
      }),
      { numRuns: 3_000 },
    );
  });

  it("carries the body's own text when it reads back the same", () => {
    const body = ' \n{ "ticker" : "AAPL", "action":"buy","quantity":1.50, "n": 1e2, "ticker":"MSFT" }\t';
    expect(assertSameAsStringify(body)).toBe("spliced");
    expect(assertSameAsStringify(`\uFEFF${body}`)).toBe("spliced");
  });

  it("serializes the body again when it holds a -0, which JSON.stringify writes as 0", () => {
    for (const zero of ["-0", "-0.0", "-0e3", "-1e-400"]) {
      const body = `{"ticker":"AAPL","action":"buy","quantity":1,"offset":${zero}}`;
      expect(assertSameAsStringify(body), zero).toBe("serialized");
    }
    expect(assertSameAsStringify('{"ticker":"AAPL","action":"buy","quantity":1,"note":"-0"}')).toBe(
      "spliced",
    );
  });

  it("serializes TradingView's plain-text strategy message, which is not JSON", () => {
    expect(assertSameAsStringify("Order buy @ 1 filled on NQ1!. New strategy position is 1")).toBe(
      "serialized",
    );
  });

  it("escapes the free-text fields and writes the empty ones as null", () => {
    const body = JSON.stringify({
      ticker: "AAPL",
      action: "buy",
      quantity: "2",
      account: 'a"b\\c',
      comment: "\u2028\u001f</script>",
      idempotencyKey: "k\n1",
    });
    expect(assertSameAsStringify(body, 'header "key"')).toBe("spliced");
  });
});
