import { type OrderJob, orderJobSchema } from "@orderhook/queue";
import type { Fixture } from "@orderhook/testing";
import { Webhook as StandardWebhook } from "standardwebhooks";
import { Webhook as SvixWebhook } from "svix";
import { beforeAll, describe, expect, it } from "vitest";
import { receiverForFile } from "../test/receiver-harness";

const file = receiverForFile();

interface Answer {
  status: number;
  body: Record<string, unknown>;
  text: string;
}

async function post(
  body: string,
  headers: Record<string, string> = {},
  token = file.f.token,
): Promise<Answer> {
  const res = await file.r.app.request(`/v1/webhooks/${token}`, {
    method: "POST",
    body,
    headers: { "content-type": "text/plain", ...headers },
  });
  const text = await res.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = JSON.parse(text);
  } catch {}
  return { status: res.status, body: parsed, text };
}

/** The job the receiver queued for a 202. */
async function queued(answer: Answer): Promise<OrderJob> {
  expect(answer.status, answer.text).toBe(202);
  const job = await file.r.queue.getJob(String(answer.body.orderId));
  expect(job, answer.text).toBeDefined();
  return orderJobSchema.parse(job!.data);
}

const unique = () => Math.random().toString(36).slice(2);

describe("exact decimals", () => {
  it("queues JSON numbers and strings digit for digit, never through a double", async () => {
    const body =
      `{"ticker":"BTCUSD","action":"buy","quantity":0.123456789012345678,"orderType":"limit",` +
      `"limitPrice":"624580925.81617162","price":624580925.81617162,"takeProfit":{"price":70000.10},` +
      `"stopLoss":{"amount":"0.00125"},"comment":"${unique()}"}`;
    const job = await queued(await post(body));
    expect(job.alert).toMatchObject({
      quantity: "0.123456789012345678",
      limitPrice: "624580925.81617162",
      signalPrice: "624580925.81617162",
      takeProfit: { price: "70000.10" },
      stopLoss: { amount: "0.00125" },
    });
  });

  it("refuses decimals past the bounds with a field error naming the bound", async () => {
    const answer = await post(
      '{"ticker":"BTCUSD","action":"buy","quantity":"0.0000000000000000001","price":1e21,"takeProfit":{"percent":1001}}',
    );
    expect(answer.status, answer.text).toBe(422);
    expect(answer.body.errors, answer.text).toEqual([
      { field: "quantity", message: "must have at most 18 digits after the decimal point" },
      { field: "takeProfit.percent", message: "must be at most 1000" },
      { field: "price", message: "must have at most 20 digits before the decimal point" },
    ]);
  });
});

describe("what Postgres cannot store", () => {
  it("refuses unpaired surrogates and NUL anywhere with 422 invalid_order naming the JSON path", async () => {
    const cases: [string, string][] = [
      ['{"ticker":"ES","action":"buy","quantity":1,"comment":"\\ud800x"}', "comment"],
      ['{"ticker":"ES","action":"buy","quantity":1,"strategy":{"note":"\\udc00"}}', "strategy.note"],
      ['{"ticker":"ES","action":"buy","quantity":1,"tags":["a","\\u0000"]}', "tags[1]"],
      ['{"ticker":"ES","action":"buy","quantity":1,"odd\\u0000key":1}', '"odd\\u0000key"'],
      ['{"ticker":"ES","action":"buy","quantity":1,"meta":{"a\\u0000":1}}', 'meta."a\\u0000"'],
    ];
    for (const [body, field] of cases) {
      const answer = await post(body);
      expect(answer.status, answer.text).toBe(422);
      expect(answer.body.code, answer.text).toBe("invalid_order");
      expect((answer.body.errors as { field: string }[])[0]?.field, answer.text).toBe(field);
    }
  });

  it("refuses alert times outside what Postgres stores, e.g. -1e12 read as epoch seconds", async () => {
    const answer = await post('{"ticker":"ES","action":"buy","quantity":1,"alertTime":-1000000000000}');
    expect(answer.status, answer.text).toBe(422);
    expect(answer.body.errors, answer.text).toEqual([
      {
        field: "alertTime",
        message: "must be between 1970-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z",
      },
    ]);
  });
});

describe("time and the names senders use", () => {
  it("reads time as alertTime and refuses a stale one naming time", async () => {
    const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
    const job = await queued(
      await post(`{"ticker":"ES","action":"buy","quantity":1,"time":"${now}","comment":"${unique()}"}`),
    );
    expect(job.alert.alertTime).toBe(Date.parse(now));
    const stale = await post(
      '{"ticker":"ES","action":"buy","quantity":1,"time":"2020-01-01T00:00:00Z","maxLagSeconds":60}',
    );
    expect(stale.status, stale.text).toBe(422);
    expect(stale.body.code, stale.text).toBe("stale_signal");
    expect(stale.body.errors, stale.text).toEqual([
      { field: "time", message: "older than maxLagSeconds (60 s)" },
    ]);
  });

  it("names price, symbol and time in field errors, as the sender wrote them", async () => {
    const answer = await post('{"symbol":"","action":"buy","quantity":1,"price":"abc","time":"soon"}');
    expect(answer.status, answer.text).toBe(422);
    expect(
      (answer.body.errors as { field: string }[]).map((e) => e.field),
      answer.text,
    ).toEqual(["symbol", "price", "time"]);
  });
});

describe("TradingView's default strategy message", () => {
  it("is queued as the equivalent alert, the message kept in the raw payload", async () => {
    // Every form of the message is read in @orderhook/alert's unit tests; here, that the receiver uses it.
    const message = "Order sell @ 0.00125 filled on BINANCE:BTCUSDT. New strategy position is 0";
    const job = await queued(await post(message, { "idempotency-key": unique() }));
    expect(job.alert, message).toMatchObject({
      action: "sell",
      quantity: "0.00125",
      ticker: "BINANCE:BTCUSDT",
      sentiment: "flat",
    });
    expect(job.raw, message).toMatchObject({ message });
  });

  it("answers any other text 400 malformed_json with the JSON it expects", async () => {
    for (const text of ["buy NQ1! 1", "Order buy @ 1 filled on NQ1!", "ticker=AAPL&action=buy"]) {
      const answer = await post(text);
      expect(answer.status, answer.text).toBe(400);
      expect(answer.body.code, answer.text).toBe("malformed_json");
      expect(answer.body.detail, answer.text).toContain('{"ticker":"NQ1!","action":"buy","quantity":"1"}');
    }
  });
});

describe("Svix and Standard Webhooks senders", () => {
  let signed: Fixture;
  beforeAll(async () => {
    signed = await file.r.fixture({ signingSecret: true });
  });

  const sign = (signer: StandardWebhook | SvixWebhook, id: string, body: string) =>
    signer.sign(id, new Date(), body);

  it("accepts svix-* headers signed by the official svix package", async () => {
    const body = `{"ticker":"AAPL","action":"buy","quantity":1,"comment":"${unique()}"}`;
    const id = `msg_${unique()}`;
    const headers = {
      "svix-id": id,
      "svix-timestamp": String(Math.floor(Date.now() / 1000)),
      "svix-signature": sign(new SvixWebhook(signed.signingSecret!), id, body),
    };
    const answer = await post(body, headers, signed.token);
    expect(answer.status, answer.text).toBe(202);
    const tampered = await post(body.replace('"quantity":1', '"quantity":2'), headers, signed.token);
    expect(tampered.status, tampered.text).toBe(401);
  });

  it("accepts webhook-* headers signed by the official standardwebhooks package", async () => {
    const body = `{"ticker":"AAPL","action":"buy","quantity":1,"comment":"${unique()}"}`;
    const id = `msg_${unique()}`;
    const answer = await post(
      body,
      {
        "webhook-id": id,
        "webhook-timestamp": String(Math.floor(Date.now() / 1000)),
        "webhook-signature": sign(new StandardWebhook(signed.signingSecret!), id, body),
      },
      signed.token,
    );
    expect(answer.status, answer.text).toBe(202);
  });

  it("refuses an unsigned request to a signed webhook whatever the header names", async () => {
    const answer = await post(
      '{"ticker":"AAPL","action":"buy","quantity":1}',
      { "svix-id": "msg_x" },
      signed.token,
    );
    expect(answer.status, answer.text).toBe(401);
  });
});
