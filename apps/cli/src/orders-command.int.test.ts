import { randomUUID } from "node:crypto";
import { createDbClient, type NewOrder, orders } from "@orderhook/db";
import { createFixture, type Fixture, testDatabaseUrl } from "@orderhook/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliRunner } from "../test/capture-cli";

const { run } = cliRunner();
const client = createDbClient({ url: testDatabaseUrl(), max: 2, applicationName: "cli-orders-test" });
let fixture: Fixture;
const ids: string[] = [];

function order(fixture: Fixture, minutesAgo: number, ticker: string): NewOrder {
  const at = new Date(Date.now() - minutesAgo * 60_000);
  return {
    id: randomUUID(),
    userId: fixture.userId,
    accountId: fixture.accountId,
    webhookId: fixture.webhookId,
    ticker,
    action: "buy",
    quantity: "2",
    orderType: "market",
    timeInForce: "day",
    rawPayload: { ticker, action: "buy", quantity: 2, strategy: "breakout" },
    status: "accepted",
    receivedAt: at,
    processedAt: at,
    createdAt: at,
  };
}

beforeAll(async () => {
  fixture = await createFixture(client.db);
  const rows = [order(fixture, 3, "AAPL"), order(fixture, 2, "MSFT"), order(fixture, 1, "NVDA")];
  await client.db.insert(orders).values(rows);
  ids.push(...rows.map((r) => r.id!));
  const stranger = await createFixture(client.db);
  await client.db.insert(orders).values(order(stranger, 0, "TSLA"));
});

afterAll(() => client.close());

describe("orderhook orders list", () => {
  it("lists one user's orders newest first, limited", async () => {
    const result = await run(["orders", "list", "--user", fixture.email, "--limit", "2", "--json"]);
    expect(result.code, result.stderr).toBe(0);
    const listed = result.json<{ orders: { id: string; ticker: string; userEmail: string }[] }>().orders;
    expect(listed.map((o) => o.ticker)).toEqual(["NVDA", "MSFT"]);
    expect(listed.every((o) => o.userEmail === fixture.email)).toBe(true);
  });

  it("prints a table with a header row", async () => {
    const result = await run(["orders", "list", "--user", fixture.email]);
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^ORDER\s+RECEIVED\s+USER\s+TICKER\s+ACTION\s+QTY\s+TYPE\s+STATUS\s+REASON$/);
    expect(lines).toHaveLength(4);
    expect(lines[1]).toContain(ids[2]);
  });

  it("refuses a limit outside 1-1000 and an unknown user", async () => {
    const limit = await run(["orders", "list", "--limit", "5000"]);
    expect(limit.code).toBe(1);
    expect(limit.stderr).toBe("orderhook: invalid_argument: limit must be a whole number from 1 to 1000\n");
    const unknown = await run(["orders", "list", "--user", "ghost@example.test"]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe("orderhook: not_found: no user with email ghost@example.test\n");
  });
});

describe("orderhook orders show", () => {
  it("shows one order in full, unknown fields of the raw payload included", async () => {
    const result = await run(["orders", "show", ids[0]!, "--json"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.json()).toMatchObject({
      id: ids[0],
      ticker: "AAPL",
      status: "accepted",
      userEmail: fixture.email,
      rawPayload: { strategy: "breakout" },
    });
    const human = await run(["orders", "show", ids[0]!]);
    expect(human.stdout).toMatch(/raw\s+\{.*"strategy":"breakout".*\}/);
  });

  it("answers not_found for an unknown order id", async () => {
    const id = randomUUID();
    const result = await run(["orders", "show", id, "--json"]);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stderr), result.stderr).toEqual({
      error: { code: "not_found", message: `no order with id ${id}` },
    });
  });
});
