import { parseEnv, workerEnvSchema } from "@orderhook/config";
import { orders, webhooks } from "@orderhook/db";
import { publishWebhookEvent } from "@orderhook/queue";
import { buildOrderJob, testDatabaseUrl, testRedisUrl, uniquePrefix, waitUntil } from "@orderhook/testing";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { workerTestContext } from "../test/worker-test-context";
import { startWorker } from "./start-worker";

const t = workerTestContext();
const { client, redis, logger, enqueue } = t;

describe("startWorker", () => {
  it("drops a revoked webhook from its cache on the credential event, long before the cache TTL", async () => {
    const prefix = uniquePrefix("events");
    const env = parseEnv(workerEnvSchema, {
      DATABASE_URL: testDatabaseUrl(),
      REDIS_URL: testRedisUrl(),
      QUEUE_PREFIX: prefix,
      METRICS_PORT: "0",
      METRICS_HOST: "127.0.0.1",
      OWNER_CACHE_TTL_MS: "3600000",
    });
    const worker = await startWorker(env, logger);
    const { fixture } = t;
    const rowOf = async (id: string) => (await client.db.select().from(orders).where(eq(orders.id, id)))[0];
    try {
      const before = buildOrderJob(fixture);
      await enqueue(prefix, [before]);
      await waitUntil(
        async () => (await rowOf(before.orderId))?.status,
        () => "first order not written",
      );

      const revokedAt = Date.now();
      await client.db
        .update(webhooks)
        .set({ active: false, revokedAt: new Date(revokedAt) })
        .where(eq(webhooks.id, fixture.webhookId));
      await publishWebhookEvent(redis, prefix, {
        type: "revoked",
        webhookId: fixture.webhookId,
        userId: fixture.userId,
        tokenHash: null,
      });
      // As if a receiver's stale credential cache had let one more alert through.
      const after = buildOrderJob(fixture, undefined, { receivedAt: revokedAt + 1_000 });
      await enqueue(prefix, [after]);
      const row = await waitUntil(
        async () => rowOf(after.orderId),
        () => "second order not written",
      );
      expect((await rowOf(before.orderId))?.status).toBe("accepted");
      expect(row, JSON.stringify(row)).toMatchObject({
        status: "rejected",
        reason: expect.stringMatching(/^webhook_revoked/),
      });
    } finally {
      await worker.close();
    }
  });
});
