import { setTimeout as sleep } from "node:timers/promises";
import { orderIdOf, sendHttp } from "@orderhook/testing";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { appsForFile } from "./harness/apps-for-file";

// Issue 12: any decimal within the bounds (20 digits before the point, 18 after) goes from the
// sender to the row and back out of GET /v1/orders/{id} digit for digit. The oracle is
// Postgres itself: what `numeric` makes of the text the sender wrote.

const apps = appsForFile("decimals");

const digits = (min: number, max: number) =>
  fc.array(fc.constantFrom(..."0123456789"), { minLength: min, maxLength: max }).map((d) => d.join(""));

/** A positive decimal as Postgres prints it, up to `integerDigits` digits before the point and 18 after. */
const canonical = (integerDigits: number) =>
  fc
    .tuple(
      fc.oneof(
        fc.constant("0"),
        fc.tuple(fc.constantFrom(..."123456789"), digits(0, integerDigits - 1)).map(([a, b]) => a + b),
      ),
      fc.option(digits(1, 18), { nil: undefined }),
    )
    .map(([whole, fraction]) => (fraction === undefined ? whole : `${whole}.${fraction}`))
    .filter((text) => /[1-9]/.test(text));

interface Sent {
  /** The JSON value's text in the body: a JSON number, or a JSON string. */
  json: string;
  /** The text Postgres reads it as (the string's content, or the number's text). */
  text: string;
  /** Written as Postgres prints it: kept exactly, trailing zeros included. */
  canonical: boolean;
}

/** The same decimal as senders write it: a JSON string or a JSON number, plain or with an exponent. */
const written = (integerDigits: number): fc.Arbitrary<Sent> =>
  fc
    .tuple(canonical(integerDigits), fc.constantFrom("string", "number", "exponent", "zeros"))
    .map(([text, form]): Sent => {
      if (form === "number") return { json: text, text, canonical: true };
      if (form === "string") return { json: JSON.stringify(text), text, canonical: true };
      if (form === "zeros") return { json: JSON.stringify(`00${text}`), text: `00${text}`, canonical: false };
      // Scientific notation, same value and scale: 12.50 → 1.250e1, 0.00125 → 1.25e-3.
      const [whole = "", fraction = ""] = text.split(".");
      const all = `${whole}${fraction}`.replace(/^0+/, "");
      const exponent = whole === "0" ? -(fraction.length - all.length + 1) : whole.length - 1;
      const rest = all.slice(1);
      const scientific = `${all.slice(0, 1)}${rest === "" ? "" : `.${rest}`}e${exponent}`;
      return { json: scientific, text: scientific, canonical: false };
    });

const alerts = fc.record({
  quantity: written(20),
  limitPrice: written(20),
  stopPrice: written(20),
  price: written(20),
  takeProfit: fc.oneof(
    written(20).map((v) => ({ key: "price", value: v })),
    written(3).map((v) => ({ key: "percent", value: v })),
    written(20).map((v) => ({ key: "amount", value: v })),
  ),
  stopLoss: fc.oneof(
    written(20).map((v) => ({ key: "price", value: v })),
    written(3).map((v) => ({ key: "amount", value: v })),
  ),
});

type Generated = typeof alerts extends fc.Arbitrary<infer T> ? T : never;

function bodyOf(alert: Generated, comment: string): string {
  return (
    `{"ticker":"BTCUSD","action":"buy","orderType":"stop_limit","quantity":${alert.quantity.json},` +
    `"limitPrice":${alert.limitPrice.json},"stopPrice":${alert.stopPrice.json},"price":${alert.price.json},` +
    `"takeProfit":{"${alert.takeProfit.key}":${alert.takeProfit.value.json}},` +
    `"stopLoss":{"${alert.stopLoss.key}":${alert.stopLoss.value.json}},"comment":"${comment}"}`
  );
}

async function numericText(text: string): Promise<string> {
  const [row] = await apps.scenario.db.sql<{ v: string }[]>`select ${text}::numeric::text as v`;
  return row!.v;
}

async function waitForRows(ids: string[]): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const [row] = await apps.scenario.db.sql<{ n: number }[]>`
      select count(*)::int as n from orders where id = any(${ids}::uuid[]) and status = 'accepted'`;
    if (row?.n === ids.length) return;
    await sleep(200);
  }
}

describe("exact decimals end to end", () => {
  it("round-trips any in-bounds decimal sender → row → GET /v1/orders digit for digit", async () => {
    const sent: { orderId: string; alert: Generated; body: string }[] = [];
    let n = 0;
    await fc.assert(
      fc.asyncProperty(alerts, async (alert) => {
        const body = bodyOf(alert, `${apps.scenario.tag}-${n++}`);
        const answer = await apps.post(body);
        expect(answer.status, `${answer.text} for ${body}`).toBe(202);
        sent.push({ orderId: orderIdOf(answer.text)!, alert, body });
      }),
      { numRuns: 300, endOnFailure: true },
    );
    await waitForRows(sent.map((s) => s.orderId));
    for (const { orderId, alert, body } of sent) {
      const [row] = await apps.scenario.db.sql<Record<string, string | null>[]>`
        select status, quantity::text, limit_price::text, stop_price::text, signal_price::text,
          take_profit::text, stop_loss::text
        from orders where id = ${orderId}`;
      const expected = {
        status: "accepted",
        quantity: await numericText(alert.quantity.text),
        limit_price: await numericText(alert.limitPrice.text),
        stop_price: await numericText(alert.stopPrice.text),
        signal_price: await numericText(alert.price.text),
        take_profit: JSON.stringify({
          [alert.takeProfit.key]: await numericText(alert.takeProfit.value.text),
        }),
        stop_loss: JSON.stringify({ [alert.stopLoss.key]: await numericText(alert.stopLoss.value.text) }),
      };
      // jsonb prints `{"price": "1.5"}`; compare as JSON.
      const normalized = {
        ...row,
        take_profit: JSON.stringify(JSON.parse(row?.take_profit ?? "null")),
        stop_loss: JSON.stringify(JSON.parse(row?.stop_loss ?? "null")),
      };
      expect(normalized, body).toEqual(expected);
      // A canonical text the sender wrote is kept exactly, trailing zeros included.
      for (const [value, stored] of [
        [alert.quantity, row?.quantity],
        [alert.limitPrice, row?.limit_price],
        [alert.stopPrice, row?.stop_price],
        [alert.price, row?.signal_price],
      ] as const) {
        if (value.canonical) expect(stored, body).toBe(value.text);
      }

      const view = await sendHttp(apps.receiver.origin, {
        method: "GET",
        path: `/v1/orders/${orderId}`,
        headers: { authorization: `Bearer ${apps.scenario.tokens[0]}` },
        agent: apps.agent,
      });
      expect(view.status, view.text).toBe(200);
      expect(JSON.parse(view.text), `${view.text} for ${body}`).toMatchObject({
        quantity: expected.quantity,
        limitPrice: expected.limit_price,
        stopPrice: expected.stop_price,
        signalPrice: expected.signal_price,
        takeProfit: JSON.parse(expected.take_profit),
        stopLoss: JSON.parse(expected.stop_loss),
      });
    }
  }, 300_000);

  it("refuses decimals past the bounds with 422 and a field error, and stores nothing for them", async () => {
    const cases: [string, { field: string; message: string }][] = [
      [
        '"quantity":"123456789012345678901"',
        { field: "quantity", message: "must have at most 20 digits before the decimal point" },
      ],
      [
        '"quantity":0.1234567890123456789',
        { field: "quantity", message: "must have at most 18 digits after the decimal point" },
      ],
      ['"quantity":1,"price":-5', { field: "price", message: "must be greater than 0" }],
      [
        '"quantity":1,"takeProfit":{"percent":"1000.01"}',
        { field: "takeProfit.percent", message: "must be at most 1000" },
      ],
      [
        '"quantity":"1,5"',
        {
          field: "quantity",
          message: 'expected a decimal number such as 1.5 or "0.00125" (a JSON number or a string)',
        },
      ],
    ];
    for (const [fields, error] of cases) {
      const answer = await apps.post(`{"ticker":"BTCUSD","action":"buy",${fields}}`);
      expect(answer.status, answer.text).toBe(422);
      expect(JSON.parse(answer.text), answer.text).toMatchObject({ code: "invalid_order", errors: [error] });
    }
  });
});
