import { type NewOrder, orders } from "@orderhook/db";
import { type Fixture, orderRow, waitUntil } from "@orderhook/testing";
import { eq } from "drizzle-orm";
import { v7 as uuidv7 } from "uuid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createSignedInConsole,
  createTestConsole,
  type TestBrowser,
  type TestConsole,
} from "../test/console-harness";
import type { OrderChange } from "./console-events";

let t: TestConsole;
let alice: Fixture;
let bob: Fixture;
let browser: TestBrowser;

function order(owner: Fixture, overrides: Partial<NewOrder> = {}): NewOrder {
  return orderRow(owner, uuidv7(), { ticker: "ES1!", action: "sell", quantity: "0.10", ...overrides });
}

beforeAll(async () => {
  ({ t, alice, bob, browser } = await createSignedInConsole({ pollIntervalMs: 50 }));
});
afterAll(async () => {
  await t.close();
});

describe("GET /events", () => {
  it("streams the signed-in user's new orders as the worker writes them, never another user's", async () => {
    const bobsBrowser = t.browser();
    await bobsBrowser.signIn(bob.token);
    const stream = await browser.openEvents();
    const bobsStream = await bobsBrowser.openEvents();
    try {
      const mine = order(alice);
      const theirs = order(bob);
      await t.db.db.insert(orders).values([mine, theirs]);
      const event = await waitUntil(
        async () => stream.of<OrderChange>("order").find((o) => o.id === mine.id),
        () => JSON.stringify(stream.messages),
        10_000,
      );
      expect(event).toMatchObject({ status: "accepted", ticker: "ES1!", action: "sell", quantity: "0.10" });
      expect(event.webhookName).toMatch(/^hook-/);
      await waitUntil(
        async () => bobsStream.of<OrderChange>("order").find((o) => o.id === theirs.id),
        () => JSON.stringify(bobsStream.messages),
        10_000,
      );
      // Both rows were read in the same poll, and each went to its owner only.
      expect(stream.of<OrderChange>("order").map((o) => o.id)).not.toContain(theirs.id);
      expect(bobsStream.of<OrderChange>("order").map((o) => o.id)).not.toContain(mine.id);
    } finally {
      await stream.cancel();
      await bobsStream.cancel();
    }
  });

  it("announces a failed order that a replay turns accepted", async () => {
    const stream = await browser.openEvents();
    try {
      const failed = order(alice, { status: "failed", reason: "connect ECONNREFUSED" });
      await t.db.db.insert(orders).values(failed);
      await waitUntil(
        async () => stream.of<OrderChange>("order").find((o) => o.id === failed.id && o.status === "failed"),
        () => JSON.stringify(stream.messages),
        10_000,
      );
      // What the worker's replay does to a failed row.
      await t.db.db
        .update(orders)
        .set({ status: "accepted", reason: null, processedAt: new Date() })
        .where(eq(orders.id, failed.id));
      const revived = await waitUntil(
        async () =>
          stream.of<OrderChange>("order").find((o) => o.id === failed.id && o.status === "accepted"),
        () => JSON.stringify(stream.messages),
        10_000,
      );
      expect(revived.reason).toBeNull();
    } finally {
      await stream.cancel();
    }
  });

  it("needs a signed-in user", async () => {
    const res = await t.app.request("http://localhost/events");
    expect(res.status, await res.text()).toBe(401);
  });

  it("ends open streams at shutdown, and refuses new ones", async () => {
    const own = await createTestConsole();
    try {
      const viewer = own.browser();
      await viewer.signIn(alice.token);
      const stream = await viewer.openEvents();
      own.shutdown.abort();
      await stream.done;
      const cookie = [...viewer.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
      const after = await own.app.request("http://localhost/events", { headers: { cookie } });
      expect(after.status, await after.text()).toBe(503);
      expect((await own.app.request("http://localhost/readyz")).status).toBe(503);
    } finally {
      await own.close();
    }
  });
});
