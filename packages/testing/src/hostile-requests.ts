import fc from "fast-check";

export interface HostileRequest {
  /** What kind of abuse this is, for failure messages and coverage checks. */
  kind: string;
  body: Uint8Array;
  /** null: no Content-Type header at all. */
  contentType: string | null;
}

const utf8 = (text: string) => new TextEncoder().encode(text);
const nested = (depth: number, open: string, close: string, leaf = "1") =>
  open.repeat(depth) + leaf + close.repeat(depth);

const contentTypes = fc.constantFrom(
  "application/json",
  "text/plain",
  "text/plain; charset=utf-8",
  "application/json; charset=utf-16",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=x",
  "application/octet-stream",
  "",
  null,
);

const alertish = fc.record(
  {
    ticker: fc.oneof(fc.constantFrom("AAPL", "btcusd", ""), fc.string({ maxLength: 80 }), fc.jsonValue()),
    action: fc.oneof(fc.constantFrom("buy", "SELL", "exit", "hold"), fc.jsonValue()),
    quantity: fc.oneof(fc.double(), fc.integer(), fc.constantFrom("1", "1e400", "-1", ""), fc.jsonValue()),
    orderType: fc.oneof(fc.constantFrom("market", "limit", "stop_limit", "trailing"), fc.jsonValue()),
    limitPrice: fc.oneof(fc.double(), fc.jsonValue()),
    takeProfit: fc.oneof(fc.record({ price: fc.double() }), fc.jsonValue()),
    alertTime: fc.oneof(fc.integer(), fc.string(), fc.jsonValue()),
    maxLagSeconds: fc.oneof(fc.integer(), fc.jsonValue()),
    account: fc.oneof(fc.uuid(), fc.string({ maxLength: 40 })),
    comment: fc.string({ unit: "binary", maxLength: 200 }),
  },
  { requiredKeys: [] },
);

/** Bodies a webhook endpoint must answer with a 4xx problem (or accept), never a 5xx or a crash. */
const bodies: fc.Arbitrary<{ kind: string; body: Uint8Array }>[] = [
  fc.jsonValue({ maxDepth: 5 }).map((v) => ({ kind: "random JSON", body: utf8(JSON.stringify(v)) })),
  alertish.map((v) => ({ kind: "alert-shaped JSON", body: utf8(JSON.stringify(v)) })),
  fc.string({ unit: "binary", maxLength: 400 }).map((s) => ({ kind: "random text", body: utf8(s) })),
  fc.uint8Array({ maxLength: 400 }).map((b) => ({ kind: "random bytes", body: b })),
  fc.constantFrom("", " ", "\n", "\t\r\n ").map((s) => ({ kind: "empty", body: utf8(s) })),
  fc
    .constantFrom(
      "{",
      "[",
      '{"ticker":',
      '{"a":1,}',
      "{'a':1}",
      "NaN",
      "undefined",
      '"\\ud800"',
      "{}{}",
      "nul",
    )
    .map((s) => ({ kind: "broken JSON", body: utf8(s) })),
  fc
    .constantFrom("1e999", "-1e999", "123456789012345678901234567890", "0.1e-400", '{"quantity":1e999}')
    .map((s) => ({ kind: "huge numbers", body: utf8(s) })),
  fc.tuple(fc.integer({ min: 1_000, max: 100_000 }), fc.boolean()).map(([depth, asArray]) => ({
    kind: "deep nesting",
    body: utf8(asArray ? nested(depth, "[", "]") : nested(depth, '{"a":', "}")),
  })),
  fc
    .constantFrom(
      '{"__proto__":{"polluted":1},"ticker":"AAPL","action":"buy","quantity":1}',
      '{"constructor":{"prototype":{"polluted":1}},"ticker":"AAPL","action":"buy","quantity":1}',
      '{"ticker":"AAPL","ticker":"MSFT","action":"buy","quantity":1}',
    )
    .map((s) => ({ kind: "prototype and duplicate keys", body: utf8(s) })),
  fc.constantFrom("utf8-bom", "utf16le-bom", "utf16be", "latin1", "invalid-utf8").map((encoding) => {
    const json = '{"ticker":"ÄAPL","action":"buy","quantity":1}';
    const bytes: Record<string, Uint8Array> = {
      "utf8-bom": new Uint8Array([0xef, 0xbb, 0xbf, ...utf8(json)]),
      "utf16le-bom": new Uint8Array([0xff, 0xfe, ...Buffer.from(json, "utf16le")]),
      utf16be: new Uint8Array(Buffer.from(json, "utf16le").swap16()),
      latin1: new Uint8Array(Buffer.from(json, "latin1")),
      "invalid-utf8": new Uint8Array([
        ...utf8('{"ticker":"'),
        0xc3,
        0x28,
        0xff,
        ...utf8('","action":"buy"}'),
      ]),
    };
    return { kind: `odd encoding (${encoding})`, body: bytes[encoding]! };
  }),
];

/**
 * fast-check arbitrary of hostile webhook requests: random and alert-shaped JSON, broken JSON,
 * raw bytes, odd encodings, huge numbers, deep nesting, prototype keys, empty bodies, each
 * with a plausible or implausible Content-Type (TradingView sends text/plain).
 */
export function hostileRequests(): fc.Arbitrary<HostileRequest> {
  return fc
    .tuple(fc.oneof(...bodies), contentTypes)
    .map(([{ kind, body }, contentType]) => ({ kind, body, contentType }));
}
