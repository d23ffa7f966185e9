import { randomUUID } from "node:crypto";
import { createDbClient, orders } from "@orderhook/db";
import { afterAll, describe, expect, it } from "vitest";
import { auditOrders } from "./audit-orders";
import { testDatabaseUrl } from "./context";
import { createFixture } from "./fixtures";

const client = createDbClient({ url: testDatabaseUrl(), max: 2, applicationName: "audit-orders-test" });
afterAll(() => client.close());

describe("auditOrders", () => {
  it("names acked orders without a row as lost and rows nobody acked as unexpected", async () => {
    const fixture = await createFixture(client.db);
    const row = (id: string, status: "accepted" | "rejected") => ({
      id,
      userId: fixture.userId,
      ticker: "AAPL",
      action: "buy",
      orderType: "market",
      timeInForce: "day",
      rawPayload: {},
      status,
      receivedAt: new Date(),
    });
    const [kept, doubled, missing] = [randomUUID(), randomUUID(), randomUUID()];
    await client.db.insert(orders).values([row(kept, "accepted"), row(doubled, "rejected")]);

    const audit = await auditOrders(client.sql, [kept, missing], [fixture.userId]);
    expect(audit).toEqual({
      acked: 2,
      rows: 2,
      lost: [missing],
      unexpected: [doubled],
      statuses: { accepted: 1, rejected: 1 },
    });
  });
});
