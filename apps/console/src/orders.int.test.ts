import { type NewOrder, orders } from "@orderhook/db";
import type { Fixture } from "@orderhook/testing";
import { sql } from "drizzle-orm";
import { v7 as uuidv7 } from "uuid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestConsole, type TestBrowser, type TestConsole } from "../test/console-harness";
import { ORDERS_PAGE_SIZE } from "./order-routes";

let t: TestConsole;
let f: Fixture;
let browser: TestBrowser;

function order(owner: Fixture, overrides: Partial<NewOrder> = {}): NewOrder {
  return {
    id: uuidv7(),
    userId: owner.userId,
    accountId: owner.accountId,
    webhookId: owner.webhookId,
    ticker: "NQ1!",
    action: "buy",
    quantity: "1",
    orderType: "market",
    timeInForce: "day",
    rawPayload: { ticker: "NQ1!", action: "buy", quantity: "1" },
    status: "accepted",
    receivedAt: new Date(),
    processedAt: new Date(),
    ...overrides,
  };
}

/** The order ids of a page's table, top to bottom. */
function rowIds(html: string): string[] {
  return [...html.matchAll(/<tr data-order-id="([^"]+)"/g)].map((m) => m[1]!);
}

beforeAll(async () => {
  t = await createTestConsole();
  f = await t.fixture();
  browser = t.browser();
  await browser.signIn(f.token);
});
afterAll(async () => {
  await t.close();
});

describe("the orders page", () => {
  it("lists the user's orders newest first, a page at a time, with exact decimals, statuses and reasons", async () => {
    const rows: NewOrder[] = [];
    const base = Date.now() - 60 * 60_000;
    for (let i = 0; i < ORDERS_PAGE_SIZE + 5; i++) {
      rows.push(
        order(f, {
          quantity: i === 0 ? "0.00000001" : `${i}.50`,
          status: i === 1 ? "rejected" : "accepted",
          reason: i === 1 ? "account_forbidden: account disabled" : null,
          createdAt: new Date(base + i * 1_000),
          receivedAt: new Date(base + i * 1_000),
        }),
      );
    }
    await t.db.db.insert(orders).values(rows);
    const newestFirst = rows.map((r) => r.id!).reverse();

    const first = await browser.get("/orders");
    expect(first.status, first.text).toBe(200);
    expect(rowIds(first.text)).toEqual(newestFirst.slice(0, ORDERS_PAGE_SIZE));
    expect(first.text).toContain('data-live="orders"');
    const older = /href="(\/orders\?before=[^"]+)"/.exec(first.text)?.[1];
    expect(older, "a link to older orders").toBeDefined();

    const second = await browser.get(older!);
    expect(second.status, second.text).toBe(200);
    expect(rowIds(second.text)).toEqual(newestFirst.slice(ORDERS_PAGE_SIZE));
    expect(second.text).toContain(">0.00000001<");
    expect(second.text).toContain(">1.50<");
    expect(second.text).toContain("account_forbidden: account disabled");
    expect(second.text).toContain("status-rejected");
    expect(second.text, "only the newest page is live").not.toContain('data-live="orders"');
    expect(second.text).not.toContain("/orders?before=");
  });

  it("refuses a page link that is not an order id with 400", async () => {
    const page = await browser.get("/orders?before=../../etc");
    expect(page.status, page.text).toBe(400);
    expect(page.text).toContain("This page link is not valid");
  });
});

describe("the order page", () => {
  it("shows one order in full, its raw payload with numbers digit for digit", async () => {
    const row = order(f, {
      quantity: "2.50",
      orderType: "limit",
      limitPrice: "18000.25",
      comment: "breakout",
      idempotencyKey: "k-1",
    });
    await t.db.db.insert(orders).values(row);
    // A number JavaScript cannot hold exactly, kept by jsonb as the sender wrote it.
    await t.db.db.execute(
      sql`update orders set raw_payload = '{"ticker":"NQ1!","price":0.1000000000000000055}'::jsonb where id = ${row.id}`,
    );
    const page = await browser.get(`/orders/${row.id}`);
    expect(page.status, page.text).toBe(200);
    expect(page.text).toContain(">2.50<");
    expect(page.text).toContain(">18000.25<");
    expect(page.text).toContain("breakout");
    expect(page.text).toContain("k-1");
    expect(page.text).toContain("0.1000000000000000055");
    expect(page.text).toContain(`data-order-id="${row.id}"`);
    expect(page.text).toContain('data-live="order"');
  });
});

describe("the deliveries page", () => {
  it("is in the navigation and says when no deliveries log is plugged in, showing no made-up data", async () => {
    const page = await browser.get("/deliveries");
    expect(page.status, page.text).toBe(200);
    expect(page.text).toContain('<a href="/deliveries" aria-current="page">Deliveries</a>');
    expect(page.text).toContain("Deliveries log not enabled");
    expect(page.text).not.toContain("<table");
    const filtered = await browser.get(`/deliveries?webhook=${f.webhookId}`);
    expect(filtered.status, filtered.text).toBe(200);
    expect(filtered.text).toContain("Deliveries log not enabled");
  });

  it("renders what a plugged-in deliveries log returns: outcome, field errors, the order's status, the body as text", async () => {
    const withLog = await createTestConsole({
      deliveryLog: {
        recent: async (userId, query) =>
          userId === f.userId
            ? {
                deliveries: [
                  {
                    id: "1732860000000-0",
                    receivedAt: "2026-11-29T06:00:00.000Z",
                    requestId: "req-1",
                    webhookId: query.webhookId ?? f.webhookId,
                    webhookName: "main",
                    outcome: "invalid_order",
                    httpStatus: 422,
                    orderId: null,
                    orderStatus: null,
                    orderReason: null,
                    errors: [{ field: "action", message: "expected one of buy, sell, exit, cancel" }],
                    ackMs: 0.8,
                    clientIp: "203.0.113.9",
                    contentType: "text/plain",
                    bodyExcerpt: '{"ticker":"<b>AAPL</b>","action":"hold"}',
                  },
                ],
                nextCursor: null,
              }
            : null,
        lastHour: async () => [
          {
            start: "2026-11-29T06:00:00.000Z",
            outcomes: { accepted: 3, invalid_order: 1 },
            ackP50Ms: 0.4,
            ackP99Ms: 1.2,
          },
        ],
      },
    });
    try {
      const viewer = withLog.browser();
      await viewer.signIn(f.token);
      const page = await viewer.get(`/deliveries?webhook=${f.webhookId}`);
      expect(page.status, page.text).toBe(200);
      expect(page.text).not.toContain("Deliveries log not enabled");
      expect(page.text).toContain("422 invalid_order");
      expect(page.text).toContain("action: expected one of buy, sell, exit, cancel");
      expect(page.text).toContain("&lt;b&gt;AAPL&lt;/b&gt;");
      expect(page.text).not.toContain("<b>AAPL");
      expect(page.text).toContain("accepted 3, invalid_order 1");
    } finally {
      await withLog.close();
    }
  });
});
