import { Agent } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { type AppProcess, type Fixture, type HttpAnswer, orderIdOf, sendHttp } from "@orderhook/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Scenario } from "./harness/scenario";

// Issue 12, points 2 and 6 against the real receiver and worker processes: per-webhook alert
// settings and the user's burst, set with `orderhook` (the CLI as its own process) while the
// apps run, and replays that report the order's current status.

let scenario: Scenario;
let receiver: AppProcess;
const agent = new Agent({ keepAlive: true });

beforeAll(async () => {
  scenario = await Scenario.create("settings");
  // Credentials cached for an hour: a setting can only take effect through its change event.
  receiver = await scenario.startReceiver({ env: { CREDENTIAL_CACHE_TTL_MS: "3600000" } });
  await scenario.startWorker();
}, 60_000);
afterAll(async () => {
  agent.destroy();
  await scenario?.close();
});

const unique = () => Math.random().toString(36).slice(2);
const secondsAgo = (s: number) => new Date(Date.now() - s * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");

function post(token: string, body: unknown, headers: Record<string, string> = {}): Promise<HttpAnswer> {
  return sendHttp(receiver.origin, {
    path: `/v1/webhooks/${token}`,
    headers: { "content-type": "text/plain", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
    agent,
    timeoutMs: 10_000,
  });
}

interface OrderView {
  orderId: string;
  status: string;
  reason: string | null;
  quantity: string | null;
  processedAt: string | null;
  [field: string]: unknown;
}

/** The order once the worker has written it, as GET /v1/orders/{id} reports it. */
async function settled(token: string, orderId: string | null): Promise<OrderView> {
  expect(orderId, "an orderId").not.toBeNull();
  const deadline = Date.now() + 30_000;
  for (;;) {
    const answer = await sendHttp(receiver.origin, {
      method: "GET",
      path: `/v1/orders/${orderId}`,
      headers: { authorization: `Bearer ${token}` },
      agent,
    });
    const view = JSON.parse(answer.text) as OrderView;
    if (view.status === "accepted" || view.status === "rejected" || Date.now() > deadline) return view;
    await sleep(100);
  }
}

/** Runs `orderhook <args> --json`, expecting success and a delivered broadcast. */
async function orderhook(...args: string[]): Promise<Record<string, unknown>> {
  const result = await scenario.orderhook([...args, "--json"]);
  expect(result.code, `orderhook ${args.join(" ")}: ${result.stderr}`).toBe(0);
  const json = result.json();
  if ("broadcast" in json) expect(json.broadcast, result.stdout).toMatchObject({ delivered: true });
  return json;
}

/**
 * Sends `probe` until its answer has `status` — the receiver read the change event — or 10 s
 * pass. Probes are refused (4xx) until then, so they cost no order and no rate.
 */
async function untilAnswered(token: string, probe: () => unknown, status: number): Promise<HttpAnswer> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const answer = await post(token, probe());
    if (answer.status === status || Date.now() > deadline) return answer;
    await sleep(50);
  }
}

/** `count` distinct alerts at once, as one multi-symbol strategy sends them at a bar close. */
function barClose(token: string, count: number): Promise<HttpAnswer[]> {
  const bar = unique();
  return Promise.all(
    Array.from({ length: count }, (_, i) =>
      post(token, { ticker: `SYM${i}`, action: "buy", quantity: "1", comment: `${bar}-${i}` }),
    ),
  );
}

const traderspost = () => ({ ticker: "SQ", action: "buy", price: "72.15", comment: unique() });

describe("default quantity", () => {
  it("refuses a TradersPost alert without a quantity, then orders it with the default set by webhook update, no restart", async () => {
    const f = await scenario.addFixture();
    const refused = await post(f.token, traderspost());
    expect(refused.status, refused.text).toBe(422);
    expect(JSON.parse(refused.text).errors, refused.text).toEqual([
      {
        field: "quantity",
        message:
          "is required for buy orders (or give the webhook a default: orderhook webhook update <id> --default-quantity <n>)",
      },
    ]);

    await orderhook("webhook", "update", f.webhookId, "--default-quantity", "0.00125");
    const accepted = await untilAnswered(f.token, traderspost, 202);
    expect(accepted.status, accepted.text).toBe(202);
    expect(await settled(f.token, orderIdOf(accepted.text)), accepted.text).toMatchObject({
      status: "accepted",
      action: "buy",
      quantity: "0.00125",
      signalPrice: "72.15",
    });
    const shown = await orderhook("webhook", "show", f.webhookId);
    expect(shown, JSON.stringify(shown)).toMatchObject({ defaultQuantity: "0.00125" });

    await orderhook("webhook", "update", f.webhookId, "--default-quantity", "none");
    const again = await untilAnswered(f.token, traderspost, 422);
    expect(again.status, again.text).toBe(422);
  });
});

describe("dedup window per webhook", () => {
  it("makes two identical alerts within a second one order by default, and two with --dedup-window-ms 0", async () => {
    const f = await scenario.addFixture();
    const body = JSON.stringify({ ticker: "NQ1!", action: "buy", quantity: "1", time: secondsAgo(0) });
    // At once, as two fills on one bar arrive: well within the default window of 1 s.
    const [first, second] = await Promise.all([post(f.token, body), post(f.token, body)]);
    expect([first.status, second.status].sort(), first.text + second.text).toEqual([200, 202]);
    expect(orderIdOf(second.text)).toBe(orderIdOf(first.text));

    await orderhook("webhook", "update", f.webhookId, "--dedup-window-ms", "0");
    // The probe: another body sent twice, until the second is a new order too.
    let pair: HttpAnswer[] = [];
    const deadline = Date.now() + 10_000;
    do {
      const probe = JSON.stringify({ ticker: "NQ1!", action: "buy", quantity: "1", comment: unique() });
      pair = [await post(f.token, probe), await post(f.token, probe)];
    } while (pair[1]!.status !== 202 && Date.now() < deadline);
    expect(
      pair.map((a) => a.status),
      pair.map((a) => a.text).join(),
    ).toEqual([202, 202]);

    const a = await post(f.token, body);
    const b = await post(f.token, body);
    expect([a.status, b.status], a.text + b.text).toEqual([202, 202]);
    const views = [await settled(f.token, orderIdOf(a.text)), await settled(f.token, orderIdOf(b.text))];
    expect(views.map((v) => v.status)).toEqual(["accepted", "accepted"]);
    expect(views[0]!.orderId).not.toBe(views[1]!.orderId);
  });
});

describe("max lag per webhook", () => {
  it("refuses a time older than --max-lag-seconds with 422 stale_signal, unless the alert's own maxLagSeconds allows it", async () => {
    const f = await scenario.addFixture();
    await orderhook("webhook", "update", f.webhookId, "--max-lag-seconds", "60");
    const late = () => ({ ticker: "ES", action: "exit", time: secondsAgo(120), comment: unique() });
    const stale = await untilAnswered(f.token, late, 422);
    expect(stale.status, stale.text).toBe(422);
    expect(JSON.parse(stale.text), stale.text).toMatchObject({
      code: "stale_signal",
      errors: [{ field: "time", message: "older than the webhook's max lag (60 s)" }],
    });

    const ownWins = await post(f.token, { ...late(), maxLagSeconds: 300 });
    expect(ownWins.status, ownWins.text).toBe(202);
    expect((await settled(f.token, orderIdOf(ownWins.text))).status).toBe("accepted");
  });
});

describe("the user's burst", () => {
  it("refuses part of a bar-close burst of 14 at 10/s by default, and accepts all 14 after user update --burst 14", async () => {
    const plain = await scenario.addFixture({ rateLimitPerSecond: 10 });
    const before = await barClose(plain.token, 14);
    const statuses = before.map((a) => a.status);
    expect(statuses.filter((s) => s === 202).length, statuses.join()).toBeGreaterThanOrEqual(10);
    expect(statuses.filter((s) => s === 429).length, statuses.join()).toBeGreaterThanOrEqual(1);

    const trader = await scenario.addFixture({ rateLimitPerSecond: 10 });
    const updated = await orderhook("user", "update", trader.email, "--burst", "14");
    expect(updated, JSON.stringify(updated)).toMatchObject({ rateLimitPerSecond: 10, rateLimitBurst: 14 });
    // Events reach the receiver in the order they were published: once a later change to another
    // user's webhook shows, the trader's has been applied (a probe of the trader's own would cost rate).
    const marker: Fixture = await scenario.addFixture();
    await orderhook("webhook", "update", marker.webhookId, "--default-quantity", "1");
    expect((await untilAnswered(marker.token, traderspost, 202)).status).toBe(202);

    const after = await barClose(trader.token, 14);
    expect(
      after.map((a) => a.status),
      after.map((a) => a.text).join(),
    ).toEqual(Array(14).fill(202));
    const views = await Promise.all(after.map((a) => settled(trader.token, orderIdOf(a.text))));
    expect(new Set(views.map((v) => v.status))).toEqual(new Set(["accepted"]));
  });
});

describe("replays", () => {
  it("answers a replay after the worker accepted the order with status accepted, as GET /v1/orders/{id} does", async () => {
    const f = await scenario.addFixture();
    const key = unique();
    const first = await post(
      f.token,
      { ticker: "BRK.B", action: "buy", quantity: "2" },
      { "idempotency-key": key },
    );
    expect(first.status, first.text).toBe(202);
    const view = await settled(f.token, orderIdOf(first.text));
    expect(view.status, JSON.stringify(view)).toBe("accepted");

    const replay = await post(
      f.token,
      { ticker: "BRK.B", action: "buy", quantity: "2" },
      { "idempotency-key": key },
    );
    expect(replay.status, replay.text).toBe(200);
    expect(replay.headers["idempotent-replayed"], replay.text).toBe("true");
    expect(JSON.parse(replay.text), replay.text).toEqual(view);
    expect(view.processedAt, replay.text).not.toBeNull();
  });
});
