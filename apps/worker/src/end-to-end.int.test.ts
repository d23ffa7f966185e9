import { orders } from "@orderhook/db";
import { AppProcess, testDatabaseUrl, testRedisUrl, uniquePrefix, waitUntil } from "@orderhook/testing";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { workerTestContext } from "../test/worker-test-context";

const t = workerTestContext();
const { client, startWorker } = t;

describe("end to end", () => {
  it("turns an HTTP alert into a queued job, then into an accepted order row the receiver reports", async () => {
    const prefix = uniquePrefix("e2e");
    const { fixture } = t;
    // The receiver runs as the separate process it is in production; apps never import each other.
    const receiver = await AppProcess.start({
      app: "receiver",
      env: { DATABASE_URL: testDatabaseUrl(), REDIS_URL: testRedisUrl(), QUEUE_PREFIX: prefix },
    });
    const { origin } = receiver;
    startWorker(prefix, { concurrency: 10, batchMaxSize: 100, batchMaxWaitMs: 5, ownerCacheTtlMs: 5_000 });
    try {
      const sent = await fetch(`${origin}/v1/webhooks/${fixture.token}`, {
        method: "POST",
        headers: { "content-type": "text/plain" },
        body: JSON.stringify({
          ticker: "tsla",
          action: "sell",
          quantity: 2,
          orderType: "limit",
          limitPrice: 250,
        }),
      });
      const ack = (await sent.json()) as { orderId: string; status: string };
      expect(sent.status, JSON.stringify(ack)).toBe(202);
      expect(ack.status).toBe("queued");

      const view = await waitUntil(
        async () => {
          const res = await fetch(`${origin}/v1/orders/${ack.orderId}`, {
            headers: { authorization: `Bearer ${fixture.token}` },
          });
          const body = (await res.json()) as { status: string };
          return res.status === 200 && body.status === "accepted" ? body : undefined;
        },
        () => `receiver output: ${receiver.tail()}`,
      );
      expect(view).toMatchObject({ orderId: ack.orderId, status: "accepted", ticker: "TSLA" });
      const rows = await client.db.select().from(orders).where(eq(orders.id, ack.orderId));
      expect(rows, JSON.stringify(rows)).toEqual([
        expect.objectContaining({
          status: "accepted",
          userId: fixture.userId,
          webhookId: fixture.webhookId,
          action: "sell",
          orderType: "limit",
          limitPrice: "250",
        }),
      ]);
      expect(await receiver.stop(), receiver.tail()).toEqual({ code: 0, signal: null });
      expect(receiver.output).toContain(`/v1/orders/`);
      expect(receiver.output, "no log line carries the token").not.toContain(fixture.token);
    } finally {
      await receiver.kill();
    }
  }, 60_000);
});
