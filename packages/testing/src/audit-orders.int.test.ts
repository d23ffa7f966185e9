import { randomUUID } from "node:crypto";
import { createDbClient, orders } from "@orderhook/db";
import { afterAll, describe, expect, it } from "vitest";
import type { SentAlert } from "./alert-traffic";
import { auditOrders } from "./audit-orders";
import { testDatabaseUrl } from "./context";
import { createFixture } from "./fixtures";

const client = createDbClient({ url: testDatabaseUrl(), max: 2, applicationName: "audit-orders-test" });
afterAll(() => client.close());

function alert(n: number, status: number, orderId: string | null): SentAlert {
  const error = status === 0 ? "timeout" : null;
  return { n, idempotencyKey: `k${n}`, attempts: [{ status, code: "", error, orderId, ms: 1 }] };
}

describe("auditOrders", () => {
  it("sorts rows into acked, lost, unconfirmed, refused-but-written and duplicated by idempotency key", async () => {
    const fixture = await createFixture(client.db);
    const ids = Array.from({ length: 6 }, () => randomUUID());
    const row = (id: string, key: string | null) => ({
      id,
      userId: fixture.userId,
      idempotencyKey: key,
      ticker: "AAPL",
      action: "buy",
      orderType: "market",
      timeInForce: "day",
      rawPayload: {},
      status: "accepted" as const,
      receivedAt: new Date(),
    });
    await client.db
      .insert(orders)
      .values([
        row(ids[0]!, "k0"),
        row(ids[2]!, "k2"),
        row(ids[3]!, "k3"),
        row(ids[4]!, "stranger"),
        row(ids[5]!, null),
      ]);
    const alerts = [
      alert(0, 202, ids[0]!), // kept
      alert(1, 202, ids[1]!), // acked, no row: lost
      alert(2, 0, null), // timed out, row exists: unconfirmed
      alert(3, 503, null), // refused, row exists anyway
    ];

    const audit = await auditOrders(client.sql, alerts, [fixture.userId]);
    expect(audit).toEqual({
      sent: 4,
      acked: 2,
      rows: 5,
      lost: [ids[1]],
      unconfirmed: 1,
      refusedButWritten: [ids[3]],
      duplicated: expect.arrayContaining([ids[4], ids[5]]),
      statuses: { accepted: 5 },
    });
    expect(audit.duplicated).toHaveLength(2);
  });
});
