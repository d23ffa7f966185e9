import { Agent } from "node:http";
import { type AppProcess, type HttpAnswer, sendHttp } from "@orderhook/testing";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recordMeasurement } from "./harness/measurements";
import { Scenario } from "./harness/scenario";

let scenario: Scenario;
let receiver: AppProcess;
let worker: AppProcess;
const agent = new Agent({ keepAlive: true });
const statuses: Record<string, number> = {};

beforeAll(async () => {
  scenario = await Scenario.create("fuzz");
  receiver = await scenario.startReceiver();
  worker = await scenario.startWorker();
}, 60_000);
afterAll(async () => {
  agent.destroy();
  await scenario?.close();
});

const CONTENT_TYPES = [
  undefined,
  "application/json",
  "text/plain",
  "text/plain; charset=utf-16",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=x",
  "application/json; charset=latin1",
];

interface FuzzBody {
  body: Buffer;
  contentType: string | undefined;
}

const text = (body: string) => Buffer.from(body, "utf8");
const alertKeys = ["ticker", "symbol", "action", "quantity", "orderType", "limitPrice", "stopPrice"];

/** Bodies a careless, confused or hostile sender might post. */
const bodies: fc.Arbitrary<Buffer> = fc.oneof(
  fc.jsonValue().map((value) => text(JSON.stringify(value) ?? "")),
  // Alert-shaped objects whose fields hold anything JSON can.
  fc
    .dictionary(
      fc.constantFrom(...alertKeys, "takeProfit", "account", "alertTime", "maxLagSeconds"),
      fc.jsonValue(),
    )
    .map((value) => text(JSON.stringify(value))),
  // Valid-looking alerts with numbers JSON allows but doubles do not hold.
  fc
    .constantFrom(
      "1e309",
      "-1e309",
      "1e-400",
      "123456789012345678901234567890",
      "-0",
      "0.0000000001",
      "9007199254740993",
    )
    .map((n) =>
      text(`{"ticker":"AAPL","action":"buy","quantity":${n},"limitPrice":${n},"orderType":"limit"}`),
    ),
  // Nesting in an unknown field (deeper bodies have their own test below).
  fc
    .tuple(fc.integer({ min: 1, max: 1_000 }), fc.constantFrom("[", '{"a":'), fc.boolean())
    .map(([depth, open, poisoned]) => {
      const close = open === "[" ? "]" : "}";
      const inner = poisoned ? '{"__proto__":{"x":1}}' : "1";
      return text(
        `{"ticker":"AAPL","action":"buy","quantity":1,"extra":${open.repeat(depth)}${inner}${close.repeat(depth)}}`,
      );
    }),
  // Odd encodings: raw bytes, BOM, UTF-16, lone surrogates, NUL, overlong UTF-8.
  fc.uint8Array({ maxLength: 512 }).map((bytes) => Buffer.from(bytes)),
  fc.constant(
    Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), text('{"ticker":"AAPL","action":"buy","quantity":1}')]),
  ),
  fc.constant(Buffer.from('{"ticker":"AAPL","action":"buy","quantity":1}', "utf16le")),
  fc
    .constantFrom(
      '{"ticker":"\\ud800","action":"buy","quantity":1}',
      '{"ticker":"AAPL","action":"buy","quantity":1,"comment":"\\u0000"}',
      '{"ticker":"AA\\u0000PL","action":"buy","quantity":1}',
      '{"ticker":"AAPL","action":"BUY","quantity":"1"}',
      '{"ticker":["AAPL"],"action":"buy","quantity":1}',
      '{"ticker":"AAPL","action":"buy","quantity":1,"quantity":-1}',
    )
    .map(text),
  fc.constant(Buffer.from([0x7b, 0x22, 0xc0, 0xaf, 0x22, 0x3a, 0x31, 0x7d])),
  // Prototype keys, directly and through escapes.
  fc
    .constantFrom(
      '{"__proto__":{"admin":true},"ticker":"AAPL","action":"buy","quantity":1}',
      '{"constructor":{"prototype":{"admin":true}},"ticker":"AAPL","action":"buy","quantity":1}',
      '{"\\u005f_proto__":{"admin":true},"ticker":"AAPL","action":"buy","quantity":1}',
      '{"ticker":"AAPL","action":"buy","quantity":1,"takeProfit":{"__proto__":{"price":1}}}',
    )
    .map(text),
  fc.string({ unit: "binary", maxLength: 300 }).map(text),
  fc.constant(Buffer.alloc(0)),
);

function record(answer: HttpAnswer): void {
  const key = answer.error ?? String(answer.status);
  statuses[key] = (statuses[key] ?? 0) + 1;
}

function problemCodeOf(answer: HttpAnswer): unknown {
  try {
    return (JSON.parse(answer.text) as { code?: unknown }).code;
  } catch {
    return undefined;
  }
}

describe("HTTP endpoint fuzzing", () => {
  it("answers thousands of generated bodies with a 2xx or a 4xx problem+json, never a 5xx, and stays up", async () => {
    const token = scenario.tokens[0]!;
    await fc.assert(
      fc.asyncProperty(
        bodies,
        fc.constantFrom(...CONTENT_TYPES),
        async (body, contentType): Promise<void> => {
          const sample: FuzzBody = { body, contentType };
          const answer = await sendHttp(receiver.origin, {
            path: `/v1/webhooks/${token}`,
            headers: contentType === undefined ? {} : { "content-type": contentType },
            body: sample.body,
            agent,
            timeoutMs: 10_000,
          });
          record(answer);
          const context = `${answer.status} ${answer.error ?? ""} ${answer.text.slice(0, 300)}`;
          expect(answer.error, context).toBeNull();
          expect(answer.status, context).toBeLessThan(500);
          if (answer.status >= 400) {
            expect(answer.headers["content-type"], context).toContain("application/problem+json");
            expect(typeof problemCodeOf(answer), context).toBe("string");
          }
        },
      ),
      { numRuns: 2_500, endOnFailure: true },
    );
    expect(receiver.running, receiver.tail()).toBe(true);
    expect(await receiver.probe("/healthz")).toBe(200);
    const unhandled = receiver.lines.filter((line) => line.includes("unhandled error"));
    expect(unhandled, unhandled.join("\n")).toEqual([]);
    recordMeasurement("HTTP fuzzing (fast-check, 2,500 bodies)", { statuses });
  }, 240_000);

  it("refuses bodies nested thousands of levels deep with a 4xx problem+json, not a 5xx", async () => {
    const answers: string[] = [];
    for (const depth of [3_000, 5_000, 10_000]) {
      for (const [open, close] of [
        ["[", "]"],
        ['{"a":', "}"],
      ] as const) {
        const body = `{"ticker":"AAPL","action":"buy","quantity":1,"extra":${open.repeat(depth)}1${close.repeat(depth)}}`;
        const answer = await sendHttp(receiver.origin, {
          path: `/v1/webhooks/${scenario.tokens[0]}`,
          body,
          timeoutMs: 10_000,
        });
        answers.push(`depth ${depth} ${open}: ${answer.status} ${answer.text.slice(0, 200)}`);
      }
    }
    const fivexx = answers.filter((line) => / 5\d\d /.test(line));
    expect(fivexx, answers.join("\n")).toEqual([]);
  }, 60_000);

  it("keeps the worker running whatever the receiver accepted from the fuzzer", async () => {
    const deadline = Date.now() + 30_000;
    let waiting = Number.POSITIVE_INFINITY;
    while (Date.now() < deadline && waiting > 0) {
      const [row] = await scenario.db.sql<{ n: number }[]>`
        select count(*)::int as n from orders where user_id = ${scenario.userIds[0]!}`;
      waiting = (statuses["202"] ?? 0) - (row?.n ?? 0);
      if (waiting > 0) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(worker.running, worker.tail()).toBe(true);
    expect(waiting, `accepted alerts without a row: ${waiting}`).toBeLessThanOrEqual(0);
    // Prototypes of the processes' objects were never touched: a fresh object has no `admin`.
    expect(({} as { admin?: unknown }).admin).toBeUndefined();
  }, 60_000);
});
