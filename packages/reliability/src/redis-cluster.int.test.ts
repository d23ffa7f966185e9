import { setTimeout as sleep } from "node:timers/promises";
import { broadcastWebhookChange } from "@orderhook/admin";
import { userShard } from "@orderhook/queue";
import {
  type AlertTraffic,
  type AppProcess,
  createFixture,
  orderIdOf,
  problemCode,
  runOrderhook,
  sendHttp,
  waitUntil,
} from "@orderhook/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ClusterScenario } from "./harness/cluster-scenario";
import { recordMeasurement } from "./harness/measurements";

// The receiver and two workers on a Redis Cluster of 3 masters (a replica each), with the
// orders spread over 3 queue shards, one per master: the HTTP contract holds as on one node,
// and every acked alert is exactly one row.

// Short locks: a killed worker's jobs come back within seconds.
const FAST_RECOVERY = { LOCK_DURATION_MS: "2000", STALLED_INTERVAL_MS: "1000", BATCH_MAX_WAIT_MS: "100" };

let scenario: ClusterScenario;
let receiver: AppProcess;
let workers: AppProcess[];
/** Every traffic run of the file: the accounting covers the users' rows from all of them. */
const traffics: AlertTraffic[] = [];

beforeAll(async () => {
  scenario = await ClusterScenario.create("cluster", { shards: 3 });
  receiver = await scenario.startReceiver();
  workers = [await scenario.startWorker(FAST_RECOVERY), await scenario.startWorker(FAST_RECOVERY)];
}, 90_000);
afterAll(async () => {
  await scenario?.close();
});

function post(token: string, body: unknown, headers: Record<string, string> = {}) {
  return sendHttp(receiver.origin, {
    method: "POST",
    path: `/v1/webhooks/${token}`,
    headers: { "content-type": "text/plain", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
    timeoutMs: 10_000,
  });
}

describe("the receiver on a Redis Cluster with three queue shards", () => {
  it("writes one row per acked alert from two workers, with every shard's jobs on its own master", async () => {
    const traffic = scenario.traffic({ origin: receiver.origin, ratePerSecond: 60, maxAttempts: 5 });
    traffics.push(traffic);
    await sleep(4_000);
    await traffic.stop();
    const result = await scenario.account(traffics, 60_000);
    const report = JSON.stringify({ result, outcomes: traffic.outcomes() });
    expect(result.acked, report).toBeGreaterThan(100);
    expect(result.lost, report).toEqual([]);
    expect(result.duplicated, report).toEqual([]);
    expect(result.statuses, report).toEqual({ accepted: result.rows });

    // Each shard's queue completed jobs, and the shards' slots are served by three masters.
    const completed = await scenario.completedPerShard();
    const keys = await scenario.cluster.keysPerMaster();
    expect(
      completed.every((n) => n > 0),
      JSON.stringify(completed),
    ).toBe(true);
    expect(await scenario.shardMasterCount()).toBe(3);
    expect(
      keys.every((n) => n > 0),
      JSON.stringify(keys),
    ).toBe(true);
    // Users stay on their shard: every user's shard completed at least its alerts' share.
    expect(new Set(scenario.userIds.map((user) => userShard(user, 3))).size).toBe(3);
    const took = workers.map(
      (worker) => worker.lines.filter((line) => line.includes('"order accepted"')).length,
    );
    recordMeasurement("Redis Cluster 3 masters, 3 shards, 2 workers, 60 alerts/s", {
      acked: result.acked,
      rows: result.rows,
      lost: result.lost.length,
      duplicated: result.duplicated.length,
      completedPerShard: completed.join("/"),
      keysPerMaster: keys.join("/"),
      acceptedLinesPerWorker: took.join("/"),
    });
  }, 90_000);

  it("recovers every job of a worker SIGKILLed under traffic: one row per acked alert", async () => {
    const traffic = scenario.traffic({ origin: receiver.origin, ratePerSecond: 60, maxAttempts: 5 });
    traffics.push(traffic);
    await sleep(1_500);
    expect((await workers[0]!.kill()).signal).toBe("SIGKILL");
    await sleep(1_000);
    workers[0] = await scenario.startWorker(FAST_RECOVERY);
    await sleep(1_000);
    await traffic.stop();
    const result = await scenario.account(traffics, 60_000);
    const report = JSON.stringify({ result, outcomes: traffic.outcomes() });
    expect(result.acked, report).toBeGreaterThan(50);
    expect(result.lost, report).toEqual([]);
    expect(result.duplicated, report).toEqual([]);
    expect(result.statuses, report).toEqual({ accepted: result.rows });
    recordMeasurement("Redis Cluster, 3 shards: worker SIGKILL under 60 alerts/s", {
      acked: result.acked,
      rows: result.rows,
      lost: result.lost.length,
      duplicated: result.duplicated.length,
    });
  }, 90_000);

  it("keeps the HTTP contract: 202, replay, reused key, bad input, bad token, order status", async () => {
    for (const [i, token] of scenario.tokens.entries()) {
      const key = `contract-${i}`;
      const body = { ticker: "AAPL", action: "buy", quantity: 1 };
      const first = await post(token, body, { "idempotency-key": key });
      expect(first.status, first.text).toBe(202);
      const orderId = orderIdOf(first.text);
      const again = await post(token, body, { "idempotency-key": key });
      expect(again.status, again.text).toBe(200);
      expect(again.headers["idempotent-replayed"]).toBe("true");
      expect(orderIdOf(again.text)).toBe(orderId);
      const reused = await post(token, { ...body, quantity: 2 }, { "idempotency-key": key });
      expect(problemCode(reused.text), reused.text).toBe("idempotency_key_reused");
      const read = await sendHttp(receiver.origin, {
        method: "GET",
        path: `/v1/orders/${orderId}`,
        headers: { authorization: `Bearer ${token}` },
      });
      expect(read.status, read.text).toBe(200);
      expect(orderIdOf(read.text)).toBe(orderId);
      // The deliveries log lives in the user's shard too: written by the same script, read there.
      const log = await sendHttp(receiver.origin, {
        method: "GET",
        path: "/v1/deliveries?limit=200",
        headers: { authorization: `Bearer ${token}` },
      });
      expect(log.status, log.text).toBe(200);
      const ids = (JSON.parse(log.text) as { deliveries: { orderId: string | null }[] }).deliveries.map(
        (d) => d.orderId,
      );
      expect(ids, log.text).toContain(orderId);
    }
    const malformed = await post(scenario.tokens[0]!, "{not json");
    expect(malformed.status, malformed.text).toBe(400);
    const unknown = await post("oh_unknown_token_0000000000000000000000000", { ticker: "A", action: "buy" });
    expect(unknown.status, unknown.text).toBe(401);
    const ready = await sendHttp(receiver.origin, { method: "GET", path: "/readyz" });
    expect(ready.status, ready.text).toBe(200);
  });

  it("carries credential events and the CLI over the cluster: a new token is accepted, a revoked one refused", async () => {
    const env = scenario.env();
    const failed = await runOrderhook(["jobs", "failed", "--json"], env);
    expect(failed.code, failed.stderr).toBe(0);
    expect(failed.json<{ total: number }>().total).toBe(0);

    // A webhook created while the receiver runs, announced as the CLI announces it (PUBLISH in a script).
    const fixture = await createFixture(scenario.db.db);
    const read = () =>
      sendHttp(receiver.origin, {
        method: "GET",
        path: "/v1/orders/00000000-0000-7000-8000-000000000000",
        headers: { authorization: `Bearer ${fixture.token}` },
      });
    const announced = await broadcastWebhookChange(
      { REDIS_URL: env.REDIS_URL ?? "redis://unused", REDIS_CLUSTER_NODES: scenario.cluster.startupNodes },
      scenario.prefix,
      { type: "created", webhookId: fixture.webhookId, userId: fixture.userId, tokenHash: null },
    );
    expect(announced).toMatchObject({ delivered: true });
    await waitUntil(
      async () => ((await read()).status === 404 ? true : undefined),
      async () => `still ${(await read()).status}`,
      10_000,
    );
    const revoked = await runOrderhook(["webhook", "revoke", fixture.webhookId, "--json"], env);
    expect(revoked.code, revoked.stderr).toBe(0);
    await waitUntil(
      async () => ((await read()).status === 401 ? true : undefined),
      async () => `still ${(await read()).status}`,
      10_000,
    );
  }, 60_000);
});
