import { randomUUID } from "node:crypto";
import { parseAlert } from "@orderhook/alert";
import {
  createOrderQueue,
  ORDER_JOB_VERSION,
  type OrderQueue,
  queueShards,
  type RedisClient,
} from "@orderhook/queue";
import { RedisCluster } from "@orderhook/testing";
import type { Cluster } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AdmitRequest, createAdmission } from "./admission";
import { newOrderId } from "./order-id";
import { createProducerConnection } from "./producer-connection";

// On a Redis Cluster a turn's admissions are one call per shard too: every key of a batch
// carries its shard's hash tag, and the call is routed by its first key to the shard's master.

let cluster: RedisCluster;
let redis: RedisClient;
let queues: OrderQueue[];
const shards = queueShards("{clusterbatch}", 3);

beforeAll(async () => {
  cluster = await RedisCluster.start({ masters: 3, replicasPerMaster: 0 });
  const settings = { REDIS_URL: "", REDIS_CLUSTER_NODES: cluster.startupNodes };
  redis = createProducerConnection(settings, 5_000, "admission");
  // The fail-fast connection refuses commands until it is connected.
  if (redis.status !== "ready") await new Promise((resolve) => redis.once("ready", resolve));
  queues = shards.prefixes.map((prefix) => createOrderQueue(redis, prefix));
  await Promise.all(queues.map((queue) => queue.waitUntilReady()));
}, 90_000);
afterAll(async () => {
  await Promise.all((queues ?? []).map((queue) => queue.close()));
  redis?.disconnect();
  await cluster?.cleanup();
});

function request(userId: string, key: string | null, body: string): AdmitRequest {
  const receivedAt = Date.now();
  return {
    bodyHash: Buffer.from(body).toString("base64"),
    rate: 1,
    burst: 2,
    dedupWindowMs: 1_000,
    signature: null,
    job: {
      v: ORDER_JOB_VERSION,
      orderId: newOrderId(receivedAt),
      userId,
      // One webhook and account per user: the same body is then the same request.
      webhookId: userId,
      accountId: userId,
      idempotencyKey: key,
      alert: parseAlert({ ticker: "AAPL", action: "buy", quantity: 1 }),
      raw: { ticker: "AAPL", action: "buy", quantity: 1 },
      receivedAt,
    },
  };
}

describe("turn-batched admission on a Redis Cluster", () => {
  it("admits a turn's alerts of several shards in order, one call per shard, each on its shard's master", async () => {
    const admission = createAdmission(redis, queues, {
      prefix: "{clusterbatch}",
      shards,
      idempotencyTtlMs: 86_400_000,
      deliveryLog: { maxEntries: 100, maxAgeMs: 3_600_000 },
    });
    // Users until every shard has one.
    const users = new Map<number, string>();
    while (users.size < 3) {
      const userId = randomUUID();
      users.set(shards.of(userId), userId);
    }
    const requests: AdmitRequest[] = [];
    for (const userId of users.values()) {
      requests.push(
        request(userId, "first", "a"),
        request(userId, "first", "a"),
        request(userId, null, "b"),
        request(userId, null, "c"),
      );
    }
    const masters = (redis as Cluster).nodes("master");
    await Promise.all(masters.map((master) => master.config("RESETSTAT")));
    const results = await Promise.all(requests.map((r) => admission.admit(r)));
    const scriptCalls = await Promise.all(
      masters.map(async (master) => {
        const info = await master.info("commandstats");
        const calls = (command: string) =>
          Number(new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(info)?.[1] ?? 0);
        return calls("eval") + calls("evalsha");
      }),
    );
    // One call per shard, each on the master of its slot (two shards may share a master).
    expect(scriptCalls.reduce((sum, calls) => sum + calls, 0)).toBe(3);
    for (let u = 0; u < 3; u++) {
      const [first, again, second, third] = results.slice(u * 4, u * 4 + 4);
      expect(first).toEqual({ outcome: "accepted" });
      expect(again).toEqual({ outcome: "replay", orderId: requests[u * 4]!.job.orderId });
      // A burst of two: the user's third order waits.
      expect(second).toEqual({ outcome: "accepted" });
      expect(third).toMatchObject({ outcome: "rate_limited" });
    }
    for (const [shard, userId] of users) {
      const queued = requests.filter((r) => r.job.userId === userId);
      expect(await queues[shard]!.getJob(queued[0]!.job.orderId)).toBeDefined();
      expect(await queues[shard]!.getJob(queued[2]!.job.orderId)).toBeDefined();
    }
  });
});
