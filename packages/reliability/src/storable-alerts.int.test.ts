import { setTimeout as sleep } from "node:timers/promises";
import {
  createOrderQueue,
  createRedis,
  ORDER_JOB_NAME,
  type OrderJob,
  orderJobOptions,
} from "@orderhook/queue";
import { buildOrderJob, type HttpAnswer, orderIdOf, sendHttp } from "@orderhook/testing";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { appsForFile } from "./harness/apps-for-file";
import { recordMeasurement } from "./harness/measurements";

// Issue 11: every 202 becomes exactly one row, whatever the JSON — the receiver refuses what
// Postgres cannot store, and the worker stores whatever still slips through as `rejected`.

const apps = appsForFile("storable");

function getOrder(orderId: string): Promise<HttpAnswer> {
  return sendHttp(apps.receiver.origin, {
    method: "GET",
    path: `/v1/orders/${orderId}`,
    headers: { authorization: `Bearer ${apps.scenario.tokens[0]}` },
    agent: apps.agent,
  });
}

/** Rows per order id, once every id has one or the deadline passes. */
async function rowsOf(ids: string[], timeoutMs = 60_000): Promise<Map<string, number>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rows = await apps.scenario.db.sql<{ id: string; n: number }[]>`
      select id, count(*)::int as n from orders where id = any(${ids}::uuid[]) group by id`;
    const counts = new Map(rows.map((row) => [row.id, row.n]));
    if (counts.size === ids.length || Date.now() > deadline) return counts;
    await sleep(200);
  }
}

/** JSON text as a sender may write it: numbers JSON allows but doubles do not hold stay verbatim. */
const RAW = "\u0001raw:";
const rawNumber = (text: string) => `${RAW}${text}\u0001`;
function toText(value: unknown): string {
  return JSON.stringify(value).replace(/"\\u0001raw:(.*?)\\u0001"/g, "$1");
}

const oddStrings = fc.constantFrom(
  "\ud800",
  "x\udc00",
  "\udbff\udfff",
  "\ud83d\ude00",
  "\u0000",
  "a\u0000b",
  "\u0001\u001f",
  "\u202e",
  "\ufeff",
  "\uffff",
  "𝕏",
  "",
  " ",
  "\\",
  '"',
  "x".repeat(2_000),
);
const anyString = fc.oneof(
  { weight: 1, arbitrary: oddStrings },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 40 }) },
  { weight: 3, arbitrary: fc.string({ maxLength: 10 }) },
);
/** Mostly `valid`, sometimes `odd`: most bodies are accepted, and some of those carry edge cases. */
const mostly = <T, U>(valid: fc.Arbitrary<T>, odd: fc.Arbitrary<U>) =>
  fc.oneof({ weight: 4, arbitrary: valid }, { weight: 1, arbitrary: odd });
const oddKeys = fc.oneof(
  anyString,
  fc.constantFrom("", " ", "a.b", "[0]", "ticker ", "TICKER", "constructor", "toString", "\u0000", "\ud800"),
);
const extremeNumbers = fc.oneof(
  fc.constantFrom(
    "1e309",
    "-1e309",
    "1e-400",
    "123456789012345678901234567890",
    "-0",
    "0.1e-7",
    "5e-324",
    "1.7976931348623157e308",
    "9007199254740993",
    "0.123456789012345678901",
    "1E2",
  ),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
  fc.integer().map(String),
);
const times = fc.oneof(
  fc.constantFrom<unknown>(
    rawNumber("-1000000000000"),
    rawNumber("1e20"),
    rawNumber("253402300800"),
    rawNumber("-1"),
    rawNumber("1e-10"),
    "0000-01-01T00:00:00Z",
    "1969-12-31T23:59:59Z",
    "9999-12-31T23:59:59Z",
    "+275760-09-13T00:00:00.000Z",
    "2025-02-30T00:00:00Z",
    "2025-06-01T12:00:00",
    "1750000000",
    "99999999999999999999",
  ),
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
  fc.integer({ min: -(2 ** 53), max: 2 ** 53 }).map((n) => rawNumber(String(n))),
);
const jsonish: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    anyString,
    extremeNumbers.map(rawNumber),
    fc.constantFrom(true, false, null),
    fc.array(tie("value"), { maxLength: 3 }),
    fc.dictionary(oddKeys, tie("value"), { maxKeys: 3 }),
  ),
})).value;

/** Alerts that are mostly valid, with unicode edge cases, extreme numbers and times, odd keys. */
const bodies = fc
  .record({
    known: fc.record(
      {
        quantity: mostly(
          fc.constantFrom(1, "0.5", rawNumber("0.123456789012345678")),
          extremeNumbers.map(rawNumber),
        ),
        price: mostly(fc.constantFrom("64000.25", rawNumber("1.10")), extremeNumbers),
        comment: mostly(fc.string({ maxLength: 20 }), anyString),
        idempotencyKey: mostly(fc.uuid(), anyString),
        alertTime: mostly(fc.constant(new Date().toISOString()), times),
        time: mostly(fc.constant(String(Math.floor(Date.now() / 1000))), times),
        maxLagSeconds: mostly(fc.constant(86_400), extremeNumbers.map(rawNumber)),
        takeProfit: mostly(
          fc.constantFrom({ price: "70000.5" }, { percent: rawNumber("2.50") }),
          fc.oneof(
            fc.record({ price: extremeNumbers.map(rawNumber) }),
            fc.record({ percent: extremeNumbers }),
            fc.dictionary(oddKeys, jsonish, { maxKeys: 2 }),
          ),
        ),
        ticker: mostly(fc.constantFrom("NQ1!", "BINANCE:BTCUSDT", "BRK.B"), anyString),
      },
      { requiredKeys: [] },
    ),
    unknown: fc.dictionary(
      mostly(fc.string({ maxLength: 8 }), oddKeys),
      mostly(fc.jsonValue({ maxDepth: 2 }), jsonish),
      {
        maxKeys: 4,
      },
    ),
  })
  .map(({ known, unknown }) => {
    // Unknown fields first, so known ones win when a key repeats.
    const body: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(unknown)) {
      Object.defineProperty(body, key, { value, enumerable: true, writable: true, configurable: true });
    }
    Object.assign(body, { ticker: "ES", action: "buy", quantity: 1 }, known);
    if (known.alertTime === undefined && known.time === undefined) delete body.maxLagSeconds;
    return toText(body);
  });

describe("every 202 becomes exactly one row", () => {
  it("gives every acked orderId from generated JSON exactly one row, and GET never answers 404 for it", async () => {
    const acked = new Set<string>();
    const statuses: Record<string, number> = {};
    await fc.assert(
      fc.asyncProperty(bodies, async (body) => {
        const answer = await apps.post(body);
        statuses[answer.error ?? String(answer.status)] =
          (statuses[answer.error ?? String(answer.status)] ?? 0) + 1;
        const context = `${answer.status} ${answer.text.slice(0, 300)} for ${body.slice(0, 300)}`;
        expect(answer.error, context).toBeNull();
        expect(answer.status, context).toBeLessThan(500);
        const orderId = orderIdOf(answer.text);
        if (answer.status === 202 || answer.status === 200) {
          expect(orderId, context).not.toBeNull();
          acked.add(orderId!);
        } else {
          expect(answer.headers["content-type"], context).toContain("application/problem+json");
          // A refused body names the JSON path it cannot take (the receiver's tests list the cases).
          const problem = JSON.parse(answer.text) as { code: string; errors?: { field: string }[] };
          if (problem.code === "invalid_order") expect(problem.errors?.[0]?.field, context).toBeTruthy();
        }
      }),
      { numRuns: 600, endOnFailure: true },
    );
    recordMeasurement("storable property (fast-check, 600 bodies)", { statuses, acked: acked.size });
    expect(acked.size, JSON.stringify(statuses)).toBeGreaterThan(50);
    expect(statuses["422"] ?? 0, JSON.stringify(statuses)).toBeGreaterThan(50);

    const ids = [...acked];
    const rows = await rowsOf(ids);
    const missing = ids.filter((id) => rows.get(id) === undefined);
    const doubled = ids.filter((id) => (rows.get(id) ?? 0) > 1);
    expect(missing, `acked without a row: ${missing.join(", ")}`).toEqual([]);
    expect(doubled, `acked with more than one row: ${doubled.join(", ")}`).toEqual([]);
    // The receiver and the worker apply one rule: nothing the receiver acked is refused by Postgres.
    const refused = await apps.scenario.db.sql<{ id: string; reason: string }[]>`
      select id, reason from orders where id = any(${ids}::uuid[]) and status <> 'accepted'`;
    expect(refused, JSON.stringify(refused)).toEqual([]);
    for (const id of ids) {
      const view = await getOrder(id);
      expect(view.status, view.text).toBe(200);
      expect(["queued", "processing", "accepted"], view.text).toContain(
        (JSON.parse(view.text) as { status: string }).status,
      );
    }
  }, 300_000);

  it("stores a queued job the worker cannot store as a rejected row with a reason, which GET reports", async () => {
    // As a receiver from before the storable rule queued it: straight into the scenario's queue.
    const connection = createRedis(apps.scenario.redis.url, { maxRetriesPerRequest: null });
    const queue = createOrderQueue(connection, apps.scenario.prefix);
    try {
      const fixture = apps.scenario.fixtures[0]!;
      // A valid alert; what breaks the rule is the raw payload or the alert time.
      const job = (raw: Record<string, unknown>, alertTime: number | null = null): OrderJob => {
        const built = buildOrderJob(fixture, { ticker: "ES", action: "buy", quantity: 1 }, { raw });
        return { ...built, alert: { ...built.alert, alertTime } };
      };
      const jobs = [
        job({ ticker: "ES", comment: "\ud800x" }),
        job({ ticker: "ES", "\udfff": 1 }),
        job({ ticker: "ES" }, -1_000_000_000_000_000),
      ];
      await queue.addBulk(
        jobs.map((data) => ({
          name: ORDER_JOB_NAME,
          data,
          opts: { ...orderJobOptions(), jobId: data.orderId },
        })),
      );
      const rows = await rowsOf(jobs.map((j) => j.orderId));
      expect([...rows.values()]).toEqual([1, 1, 1]);
      for (const { orderId } of jobs) {
        const deadline = Date.now() + 20_000;
        let view = await getOrder(orderId);
        while (!view.text.includes('"rejected"') && Date.now() < deadline) {
          await sleep(100);
          view = await getOrder(orderId);
        }
        expect(view.status, view.text).toBe(200);
        expect(JSON.parse(view.text), view.text).toMatchObject({
          status: "rejected",
          reason: expect.stringMatching(/^invalid_job: (raw|alert)\./),
        });
      }
    } finally {
      await queue.close();
      connection.disconnect();
    }
  }, 60_000);
});
