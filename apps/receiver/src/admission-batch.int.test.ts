import { randomUUID } from "node:crypto";
import { parseAlert } from "@orderhook/alert";
import { deliveryStreamKey } from "@orderhook/deliveries";
import { createOrderQueue, createRedis, ORDER_JOB_VERSION, type OrderQueue, userKey } from "@orderhook/queue";
import { RedisServer } from "@orderhook/testing";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  type AdmitRequest,
  type AdmitResult,
  createAdmission,
  type ReplicationTimeoutError,
} from "./admission";
import { newOrderId } from "./order-id";
import { createProducerConnection } from "./producer-connection";

// The admissions one event-loop turn starts for a shard are one script call that admits each
// alert in order, exactly as separate calls would. A private server: the tests count its
// script calls (INFO commandstats), block it (DEBUG SLEEP) and flush its scripts.

let server: RedisServer;
let redis: Redis;
let inspector: Redis;
let queue: OrderQueue;
const prefix = "{batch}";

beforeAll(async () => {
  server = await RedisServer.start({ appendonly: false, args: ["--enable-debug-command", "yes"] });
  redis = await connected(createProducerConnection(server.url, 2_000, "admission") as Redis);
  inspector = createRedis(server.url, { connectionName: "admission-batch-inspector" });
  queue = createOrderQueue(inspector, prefix);
  await queue.waitUntilReady();
});
afterAll(async () => {
  await queue.close();
  redis.disconnect();
  inspector.disconnect();
  await server.cleanup();
});
beforeEach(async () => {
  await inspector.config("RESETSTAT");
});

/** The fail-fast connections refuse commands until they are connected. */
async function connected(connection: Redis): Promise<Redis> {
  if (connection.status !== "ready") await new Promise((resolve) => connection.once("ready", resolve));
  return connection;
}

/** Script calls the server ran since the last reset (EVAL and EVALSHA). */
async function scriptCalls(): Promise<number> {
  const info = await inspector.info("commandstats");
  const calls = (command: string) =>
    Number(new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(info)?.[1] ?? 0);
  return calls("eval") + calls("evalsha");
}

interface Sender {
  userId: string;
  webhookId: string;
  accountId: string;
}

const sender = (): Sender => ({ userId: randomUUID(), webhookId: randomUUID(), accountId: randomUUID() });

function request(
  from: Sender,
  options: { key?: string | null; body?: string; rate?: number; burst?: number } = {},
): AdmitRequest {
  const receivedAt = Date.now();
  const rate = options.rate ?? 100;
  return {
    bodyHash: Buffer.from(options.body ?? "body").toString("base64"),
    rate,
    burst: options.burst ?? rate,
    dedupWindowMs: 1_000,
    signature: null,
    job: {
      v: ORDER_JOB_VERSION,
      orderId: newOrderId(receivedAt),
      ...from,
      idempotencyKey: options.key ?? null,
      alert: parseAlert({ ticker: "AAPL", action: "buy", quantity: 1 }),
      raw: { ticker: "AAPL", action: "buy", quantity: 1 },
      receivedAt,
    },
  };
}

/** Starts every admission in this turn, so they form batches; each settles on its own. */
function admitTogether(admit: (r: AdmitRequest) => Promise<AdmitResult>, requests: AdmitRequest[]) {
  return Promise.allSettled(requests.map((r) => admit(r)));
}

const admissionOn = (connection: Redis, options: { maxBatch?: number; waitReplicas?: number } = {}) =>
  createAdmission(connection, queue, {
    prefix,
    idempotencyTtlMs: 86_400_000,
    deliveryLog: { maxEntries: 100, maxAgeMs: 3_600_000 },
    waitTimeoutMs: 100,
    ...options,
  });

describe("turn-batched admission", () => {
  it("admits a turn's alerts in one script call, each with its own outcome: accepted, replay, reused key, rate limited", async () => {
    const admission = admissionOn(redis);
    const a = sender();
    const earlier = request(a, { key: "earlier" });
    expect(await admission.admit(earlier)).toEqual({ outcome: "accepted" });
    const limited = sender();
    await inspector.config("RESETSTAT");

    const settled = await admitTogether(admission.admit, [
      request(a, { key: "new" }),
      { ...request(a, { key: "earlier" }), bodyHash: earlier.bodyHash },
      request(a, { key: "earlier", body: "another body" }),
      request(limited, { rate: 1, burst: 1 }),
      request(limited, { rate: 1, burst: 1, body: "second" }),
    ]);
    expect(settled.map((s) => (s.status === "fulfilled" ? s.value : s.reason))).toEqual([
      { outcome: "accepted" },
      { outcome: "replay", orderId: earlier.job.orderId },
      { outcome: "key_reused" },
      { outcome: "accepted" },
      { outcome: "rate_limited", retryAfterMs: expect.any(Number) },
    ]);
    expect(await scriptCalls()).toBe(1);
  });

  it("answers the second of two identical alerts in one batch as a replay of the first, keyed or not", async () => {
    const admission = admissionOn(redis);
    const a = sender();
    const keyless = [request(a), request(a)];
    const keyed = [request(a, { key: "twice", body: "k" }), request(a, { key: "twice", body: "k" })];
    const settled = await admitTogether(admission.admit, [...keyless, ...keyed]);
    expect(settled.map((s) => (s.status === "fulfilled" ? s.value : s.reason))).toEqual([
      { outcome: "accepted" },
      { outcome: "replay", orderId: keyless[0]!.job.orderId },
      { outcome: "accepted" },
      { outcome: "replay", orderId: keyed[0]!.job.orderId },
    ]);
    expect(await queue.getJob(keyless[1]!.job.orderId)).toBeUndefined();
    expect(await queue.getJob(keyed[1]!.job.orderId)).toBeUndefined();
    expect(await scriptCalls()).toBe(1);
  });

  it("consumes a user's rate in the batch's order: the first `burst` alerts pass, the rest wait", async () => {
    const admission = admissionOn(redis);
    const a = sender();
    const other = sender();
    const requests = Array.from({ length: 6 }, (_, i) =>
      request(i % 2 === 0 ? a : other, { rate: 1, burst: 2, body: `b${i}` }),
    );
    const settled = await admitTogether(admission.admit, requests);
    const outcomes = settled.map((s) => (s.status === "fulfilled" ? s.value.outcome : "error"));
    // a: 0, 2, 4 · other: 1, 3, 5 — each user's third is over its burst of 2.
    expect(outcomes).toEqual([
      "accepted",
      "accepted",
      "accepted",
      "accepted",
      "rate_limited",
      "rate_limited",
    ]);
    expect(await inspector.exists(userKey(prefix, a.userId, "rate"))).toBe(1);
  });

  it("fails only the alert whose step fails — refused arguments or a Redis error — and admits the others around it", async () => {
    const admission = admissionOn(redis);
    const broken = sender();
    // A rate key of the wrong type: GET on it raises inside that alert's step.
    await inspector.rpush(userKey(prefix, broken.userId, "rate"), "not a rate");
    const good = [sender(), sender(), sender()];
    const requests = [
      request(good[0]!),
      request(broken),
      request(good[1]!, { rate: 0 }),
      request(good[2]!),
      request(good[1]!, { body: "after" }),
    ];
    const settled = await admitTogether(admission.admit, requests);
    expect(settled[0]).toEqual({ status: "fulfilled", value: { outcome: "accepted" } });
    expect(settled[1]).toMatchObject({
      status: "rejected",
      reason: { message: expect.stringMatching(/WRONGTYPE/) },
    });
    expect(settled[2]).toMatchObject({
      status: "rejected",
      reason: { message: expect.stringMatching(/refused before queuing anything: arguments/) },
    });
    expect(settled[3]).toEqual({ status: "fulfilled", value: { outcome: "accepted" } });
    expect(settled[4]).toEqual({ status: "fulfilled", value: { outcome: "accepted" } });
    for (const i of [0, 3, 4])
      expect(await queue.getJob(requests[i]!.job.orderId), `alert ${i}`).toBeDefined();
    for (const i of [1, 2])
      expect(await queue.getJob(requests[i]!.job.orderId), `alert ${i}`).toBeUndefined();
    // The broken alert left nothing: no idempotency key, no deliveries entry.
    expect(await inspector.keys(`${prefix}:*${broken.userId}*`)).toEqual([
      userKey(prefix, broken.userId, "rate"),
    ]);
    expect(await scriptCalls()).toBe(1);

    // Alone, its error is the call's (no pcall), and the alert fails the same way.
    const alone = request(broken, { body: "alone" });
    await expect(admission.admit(alone)).rejects.toThrow(/WRONGTYPE/);
    expect(await queue.getJob(alone.job.orderId)).toBeUndefined();
    await expect(admission.admit(request(broken, { rate: 0 }))).rejects.toThrow(
      /refused before queuing anything: arguments/,
    );
    expect(await admission.admit(request(good[0]!, { body: "alone" }))).toEqual({ outcome: "accepted" });
  });

  it("reads and writes a user's arrival time once per batch, as its last accepted alert would have left it", async () => {
    const admission = admissionOn(redis);
    const a = sender();
    const rateKey = userKey(prefix, a.userId, "rate");
    const settled = await admitTogether(
      admission.admit,
      Array.from({ length: 4 }, (_, i) => request(a, { rate: 1, burst: 3, body: `r${i}` })),
    );
    expect(settled.map((s) => (s.status === "fulfilled" ? s.value.outcome : "error"))).toEqual([
      "accepted",
      "accepted",
      "accepted",
      "rate_limited",
    ]);
    const info = await inspector.info("commandstats");
    const calls = (command: string) => /calls=(\d+)/.exec(info.split(`cmdstat_${command}:`)[1] ?? "")?.[1];
    // Per alert: the dedup key's GET and SET; once: the rate key's GET and SET.
    expect([calls("get"), calls("set")]).toEqual(["5", "4"]);
    const tat = Number(await inspector.get(rateKey));
    const ttl = await inspector.pttl(rateKey);
    // Three accepted at 1 a second from now: the arrival time ~3 s ahead, kept until then.
    expect(tat - Date.now()).toBeGreaterThan(2_500);
    expect(tat - Date.now()).toBeLessThanOrEqual(3_000);
    expect(ttl).toBeGreaterThan(2_500);
    expect(ttl).toBeLessThanOrEqual(3_001);
    // The next alert continues from it, one interval on (to the µs).
    expect(await admission.admit(request(a, { rate: 1, burst: 5, body: "next" }))).toEqual({
      outcome: "accepted",
    });
    expect((await inspector.get(rateKey))!).toBe((tat + 1_000).toFixed(3));
  });

  it("expires each deliveries stream a batch writes once, after its alerts, even when a later alert fails", async () => {
    const admission = admissionOn(redis);
    const [a, b, broken] = [sender(), sender(), sender()];
    await inspector.rpush(userKey(prefix, broken.userId, "rate"), "not a rate");
    const logged = (from: Sender, body: string): AdmitRequest => ({
      ...request(from, { body }),
      delivery: JSON.stringify({ body }),
    });
    const settled = await admitTogether(admission.admit, [
      logged(a, "a1"),
      logged(a, "a2"),
      logged(b, "b1"),
      logged(a, "a3"),
      logged(broken, "x"),
    ]);
    expect(settled.map((s) => s.status)).toEqual([
      "fulfilled",
      "fulfilled",
      "fulfilled",
      "fulfilled",
      "rejected",
    ]);
    for (const [from, entries] of [
      [a, 3],
      [b, 1],
    ] as const) {
      const stream = deliveryStreamKey(prefix, from.userId, from.webhookId);
      expect(await inspector.xlen(stream)).toBe(entries);
      expect(await inspector.pttl(stream)).toBeGreaterThan(3_500_000);
    }
    expect(await inspector.exists(deliveryStreamKey(prefix, broken.userId, broken.webhookId))).toBe(0);
    const info = await inspector.info("commandstats");
    expect(/cmdstat_pexpire:calls=(\d+)/.exec(info)?.[1]).toBe("2");
    expect(await scriptCalls()).toBe(1);
  });

  it("sends a full batch at once and the rest of the turn as the next, in order", async () => {
    const admission = admissionOn(redis, { maxBatch: 4 });
    const a = sender();
    const requests = Array.from({ length: 10 }, (_, i) => request(a, { key: `cap-${i}`, rate: 1, burst: 7 }));
    const settled = await admitTogether(admission.admit, requests);
    const outcomes = settled.map((s) => (s.status === "fulfilled" ? s.value.outcome : "error"));
    expect(outcomes).toEqual([...Array(7).fill("accepted"), ...Array(3).fill("rate_limited")]);
    expect(await scriptCalls()).toBe(3);
    const waiting = await inspector.lrange(`${prefix}:orders:wait`, 0, 6);
    // LPUSH: the newest first.
    expect(waiting).toEqual(
      requests
        .slice(0, 7)
        .map((r) => r.job.orderId)
        .reverse(),
    );
  });

  it("fails every alert of a batch Redis answered too late, and each sender's retry finds its order queued once", async () => {
    const late = await connected(createProducerConnection(server.url, 200, "admission") as Redis);
    const blocker = createRedis(server.url, { connectionName: "admission-batch-blocker" });
    try {
      // No script in Redis: the batch must carry it (EVAL), since nothing will answer NOSCRIPT.
      await inspector.script("FLUSH");
      const admission = admissionOn(late);
      const a = sender();
      const requests = Array.from({ length: 5 }, (_, i) =>
        request(a, { key: `late-${i}`, body: `late-${i}` }),
      );
      blocker.call("DEBUG", "SLEEP", "0.6").catch(() => {});
      await new Promise((resolve) => setTimeout(resolve, 50));
      const settled = await admitTogether(admission.admit, requests);
      for (const s of settled)
        expect(s).toMatchObject({
          status: "rejected",
          reason: { message: expect.stringMatching(/timed out/i) },
        });
      await new Promise((resolve) => setTimeout(resolve, 800));

      const retries = await admitTogether(
        admission.admit,
        requests.map((r) => ({ ...r, job: { ...r.job, orderId: newOrderId(Date.now()) } })),
      );
      expect(retries.map((s) => (s.status === "fulfilled" ? s.value : s.reason))).toEqual(
        requests.map((r) => ({ outcome: "replay", orderId: r.job.orderId })),
      );
      for (const r of requests) expect(await queue.getJob(r.job.orderId)).toBeDefined();
    } finally {
      late.disconnect();
      blocker.disconnect();
    }
  });

  it("loads the script again after SCRIPT FLUSH and admits the whole batch once", async () => {
    const admission = admissionOn(redis);
    const a = sender();
    expect(await admission.admit(request(a, { body: "warm" }))).toEqual({ outcome: "accepted" });
    await inspector.script("FLUSH");
    const requests = Array.from({ length: 3 }, (_, i) => request(a, { body: `flushed-${i}` }));
    const settled = await admitTogether(admission.admit, requests);
    expect(settled.map((s) => (s.status === "fulfilled" ? s.value : s.reason))).toEqual(
      Array(3).fill({ outcome: "accepted" }),
    );
    for (const r of requests) expect(await queue.getJob(r.job.orderId)).toBeDefined();
  });

  it("with REDIS_WAIT_REPLICAS waits once per batch, and fails only its accepted and replayed alerts when replicas are missing", async () => {
    const admission = admissionOn(redis, { waitReplicas: 1 });
    const a = sender();
    const limited = sender();
    const settled = await admitTogether(admission.admit, [
      request(a, { body: "w1" }),
      request(limited, { rate: 1, burst: 0.5 }),
      request(a, { body: "w2" }),
    ]);
    expect(settled[0]).toMatchObject({ status: "rejected", reason: { name: "ReplicationTimeoutError" } });
    expect(settled[1]).toMatchObject({ status: "fulfilled", value: { outcome: "rate_limited" } });
    expect(settled[2]).toMatchObject({ status: "rejected", reason: { name: "ReplicationTimeoutError" } });
    expect((settled[0] as PromiseRejectedResult).reason as ReplicationTimeoutError).toBe(
      (settled[2] as PromiseRejectedResult).reason,
    );
    const info = await inspector.info("commandstats");
    expect(Number(/cmdstat_wait:calls=(\d+)/.exec(info)?.[1] ?? 0)).toBe(1);
  });
});
