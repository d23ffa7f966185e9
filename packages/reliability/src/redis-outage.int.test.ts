import { setTimeout as sleep } from "node:timers/promises";
import { createOrderQueue, createRedis } from "@orderhook/queue";
import { sendHttp } from "@orderhook/testing";
import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { recordMeasurement } from "./harness/measurements";
import { closeScenariosAfterEach, Scenario } from "./harness/scenario";

const FAST_RECOVERY = { LOCK_DURATION_MS: "2000", STALLED_INTERVAL_MS: "1000" };

closeScenariosAfterEach();

/** Polls until `probe` answers 200; returns how long that took. */
async function msUntilReady(probe: () => Promise<number>, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    if ((await probe()) === 200) return Date.now() - started;
    await sleep(100);
  }
  return Number.POSITIVE_INFINITY;
}

/** Job lists of the queue, for failure messages. */
async function queueState(redisUrl: string, prefix: string): Promise<Record<string, string[]>> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    const lists: Record<string, string[]> = {};
    for (const list of ["wait", "active"])
      lists[list] = await redis.lrange(`${prefix}:orders:${list}`, 0, -1);
    for (const set of ["delayed", "failed", "completed"])
      lists[set] = await redis.zrange(`${prefix}:orders:${set}`, 0, -1);
    return lists;
  } finally {
    redis.disconnect();
  }
}

describe("Redis outages", () => {
  it("loses no acked alert when Redis (appendfsync always) is killed -9 and restarted on its AOF under traffic", async () => {
    const scenario = await Scenario.create("aof", { redis: { appendonly: true, appendfsync: "always" } });
    const receiver = await scenario.startReceiver();
    const worker = await scenario.startWorker({ env: FAST_RECOVERY });
    // A sender that retries 503s and timeouts with the same Idempotency-Key, as the contract asks.
    const traffic = scenario.traffic({
      origin: receiver.origin,
      ratePerSecond: 40,
      maxAttempts: 8,
      retryDelayMs: 300,
    });

    for (let round = 0; round < 2; round++) {
      await sleep(1_500);
      await scenario.redis.kill();
      await sleep(500);
      await scenario.redis.restart();
    }
    await sleep(1_500);
    await traffic.stop();
    const result = await scenario.account(traffic, 60_000);
    const outcomes = traffic.outcomes();
    const report = JSON.stringify({
      result,
      outcomes,
      jobs: await queueState(scenario.redis.url, scenario.prefix),
    });

    expect(result.acked, report).toBeGreaterThan(0);
    expect(result.lost, report).toEqual([]);
    expect(result.duplicated, report).toEqual([]);
    expect(result.statuses, report).toEqual({ accepted: result.rows });
    expect(worker.running && receiver.running, report).toBe(true);
    recordMeasurement("Redis kill -9 ×2, restart on AOF (appendfsync always)", {
      sent: result.sent,
      acked: result.acked,
      rows: result.rows,
      lost: result.lost.length,
      duplicated: result.duplicated.length,
      landedWithoutAck: result.unconfirmed + result.refusedButWritten.length,
      senderGaveUp: result.sent - result.acked,
      outcomes,
      slowest503Ms: Math.round(traffic.slowestMs((a) => a.status === 503)),
    });
  }, 120_000);

  it("answers 503 within the sender's timeout while Redis is unreachable, fails /readyz, and both apps recover by themselves", async () => {
    const scenario = await Scenario.create("redisdown", {
      redis: { appendonly: true, appendfsync: "always" },
    });
    const receiver = await scenario.startReceiver();
    // A job whose moveToActive reply died with Redis waits for its lock to expire: keep that short here.
    const worker = await scenario.startWorker({ env: FAST_RECOVERY });
    const token = scenario.tokens[0]!;
    const send = (comment: string) =>
      sendHttp(receiver.origin, {
        path: `/v1/webhooks/${token}`,
        body: JSON.stringify({ ticker: "AAPL", action: "buy", quantity: 1, comment }),
        timeoutMs: 3_000,
      });
    const before = await send(`${scenario.tag}-before`);
    expect(before.status, before.text).toBe(202);

    await scenario.redis.kill();
    const during = [];
    for (let i = 0; i < 20; i++) {
      during.push(await send(`${scenario.tag}-during-${i}`));
      await sleep(200);
    }
    const receiverReady = await receiver.probe("/readyz");
    const workerReady = await worker.probe("/readyz", 3_000);
    for (const answer of during) {
      expect(answer.error, `no answer before the sender's 3 s timeout: ${answer.error}`).toBeNull();
      expect(answer.status, answer.text).toBe(503);
      expect(JSON.parse(answer.text).code, answer.text).toBe("unavailable");
      expect(answer.headers["content-type"], answer.text).toContain("application/problem+json");
    }
    expect(receiverReady).toBe(503);
    expect(workerReady).not.toBe(200);
    // What is wrong, not the internals (addresses, error text) of why.
    const readyAnswer = await sendHttp(receiver.origin, { method: "GET", path: "/readyz", timeoutMs: 3_000 });
    expect(JSON.parse(readyAnswer.text).detail, readyAnswer.text).toBe("Redis is not usable.");
    expect(readyAnswer.text, readyAnswer.text).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|connection is/);

    await scenario.redis.restart();
    const receiverBackMs = await msUntilReady(() => receiver.probe("/readyz"), 30_000);
    const workerBackMs = await msUntilReady(() => worker.probe("/readyz"), 30_000);
    expect(receiverBackMs, receiver.tail()).toBeLessThan(30_000);
    expect(workerBackMs, worker.tail()).toBeLessThan(30_000);
    const after = await send(`${scenario.tag}-after`);
    expect(after.status, after.text).toBe(202);
    const afterId = JSON.parse(after.text).orderId as string;
    const beforeId = JSON.parse(before.text).orderId as string;
    const deadline = Date.now() + 30_000;
    let rows: { id: string; status: string }[] = [];
    while (Date.now() < deadline) {
      rows = await scenario.db.sql<{ id: string; status: string }[]>`
        select id, status from orders where id in (${beforeId}, ${afterId})`;
      if (rows.length === 2) break;
      await sleep(200);
    }
    const state = { beforeId, afterId, rows, jobs: await queueState(scenario.redis.url, scenario.prefix) };
    expect(rows.map((r) => r.status).sort(), JSON.stringify(state)).toEqual(["accepted", "accepted"]);
    expect(receiver.running && worker.running).toBe(true);
    recordMeasurement("Redis unreachable ~5 s", {
      answers: during.length,
      all503: during.every((a) => a.status === 503),
      slowest503Ms: Math.round(Math.max(...during.map((a) => a.ms))),
      receiverReadyAfterRestartMs: receiverBackMs,
      workerReadyAfterRestartMs: workerBackMs,
    });
  }, 120_000);

  it("answers 503 instead of waiting on a Redis that stopped answering, and queues once when the script ran after its 503 (alone or in a batch)", async () => {
    const scenario = await Scenario.create("redisslow", {
      redis: { appendonly: false, args: ["--enable-debug-command", "yes"] },
    });
    const receiver = await scenario.startReceiver({ env: { REDIS_TIMEOUT_MS: "1000" } });
    const blocker = createRedis(scenario.redis.url);
    const redis = createRedis(scenario.redis.url);
    const queue = createOrderQueue(redis, scenario.prefix);
    const send = (comment: string, headers: Record<string, string> = {}) =>
      sendHttp(receiver.origin, {
        path: `/v1/webhooks/${scenario.tokens[0]}`,
        body: JSON.stringify({ ticker: "AAPL", action: "buy", quantity: 10, comment }),
        headers,
        timeoutMs: 5_000,
      });
    const ready = () => msUntilReady(() => receiver.probe("/readyz"), 10_000);
    try {
      // DEBUG SLEEP blocks the server; the request must give up at REDIS_TIMEOUT_MS.
      blocker.call("DEBUG", "SLEEP", "2").catch(() => {});
      await sleep(50);
      const slow = await send("slow");
      expect(slow.status, slow.text).toBe(503);
      expect(JSON.parse(slow.text).code, slow.text).toBe("unavailable");
      // Keyless: the answer says a retry could double the order, and what to send instead.
      expect(JSON.parse(slow.text).detail, slow.text).toMatch(
        /may have been queued.*no Idempotency-Key.*queue it twice/,
      );
      expect(await ready()).toBeLessThan(10_000);

      const waitingBefore = await queue.getWaitingCount();
      blocker.call("DEBUG", "SLEEP", "1.5").catch(() => {});
      await sleep(50);
      // Sent, then given up on at REDIS_TIMEOUT_MS; Redis runs it once the sleep ends.
      const first = await send("late", { "idempotency-key": "late-script" });
      expect(first.status, first.text).toBe(503);
      expect(JSON.parse(first.text).detail, first.text).toMatch(/may have been queued.*same Idempotency-Key/);
      expect(await ready()).toBeLessThan(10_000);
      const retry = await send("late", { "idempotency-key": "late-script" });
      expect(retry.status, retry.text).toBe(200);
      expect(await queue.getWaitingCount()).toBe(waitingBefore + 1);
      const job = await queue.getJob(String(JSON.parse(retry.text).orderId));
      expect(job?.data.idempotencyKey).toBe("late-script");

      // Requests at the same moment are admitted together, one script call per turn: a call that
      // ran after their 503s queued each of them once, and each retry is a replay of its own order.
      const keys = Array.from({ length: 8 }, (_, i) => `late-batch-${i}`);
      const waitingBeforeBatch = await queue.getWaitingCount();
      blocker.call("DEBUG", "SLEEP", "1.5").catch(() => {});
      await sleep(50);
      const firsts = await Promise.all(keys.map((key) => send(key, { "idempotency-key": key })));
      for (const answer of firsts) expect(answer.status, answer.text).toBe(503);
      expect(await ready()).toBeLessThan(10_000);
      const retries = await Promise.all(keys.map((key) => send(key, { "idempotency-key": key })));
      for (const answer of retries) expect(answer.status, answer.text).toBe(200);
      expect(await queue.getWaitingCount()).toBe(waitingBeforeBatch + keys.length);
      for (const [i, answer] of retries.entries()) {
        const replayed = await queue.getJob(String(JSON.parse(answer.text).orderId));
        expect(replayed?.data.idempotencyKey, answer.text).toBe(keys[i]);
      }
    } finally {
      await queue.close();
      redis.disconnect();
      blocker.disconnect();
    }
  }, 60_000);
});
