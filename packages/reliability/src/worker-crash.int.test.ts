import { setTimeout as sleep } from "node:timers/promises";
import { ORDER_QUEUE_NAME } from "@orderhook/queue";
import { type AppProcess, waitUntil } from "@orderhook/testing";
import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { recordMeasurement } from "./harness/measurements";
import { closeScenariosAfterEach, Scenario } from "./harness/scenario";

// A file URL: `node --import` takes it as is.
const BLOCK_EVENT_LOOP = new URL("./preload/block-event-loop.ts", import.meta.url).href;

// Short lock and stalled-check intervals so a dead worker's jobs come back within seconds.
const FAST_RECOVERY = { LOCK_DURATION_MS: "2000", STALLED_INTERVAL_MS: "1000" };

closeScenariosAfterEach();

async function activeJobs(redisUrl: string, prefix: string): Promise<number> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    return await redis.llen(`${prefix}:${ORDER_QUEUE_NAME}:active`);
  } finally {
    redis.disconnect();
  }
}

/** failedReason → count over the queue's failed set. */
async function failedReasons(redisUrl: string, prefix: string): Promise<Record<string, number>> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    const reasons: Record<string, number> = {};
    for (const id of await redis.zrange(`${prefix}:${ORDER_QUEUE_NAME}:failed`, 0, -1)) {
      const reason = (await redis.hget(`${prefix}:${ORDER_QUEUE_NAME}:${id}`, "failedReason")) ?? "?";
      reasons[reason] = (reasons[reason] ?? 0) + 1;
    }
    return reasons;
  } finally {
    redis.disconnect();
  }
}

/** Waits until some active job is locked by a live worker and was recovered `stalled` times; returns how many. */
async function waitForHeldJobs(redisUrl: string, prefix: string, stalled: number, timeoutMs: number) {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  const queue = `${prefix}:${ORDER_QUEUE_NAME}`;
  try {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      let held = 0;
      for (const id of await redis.lrange(`${queue}:active`, 0, -1)) {
        const locked = (await redis.exists(`${queue}:${id}:lock`)) === 1;
        const recovered = Number((await redis.hget(`${queue}:${id}`, "stc")) ?? 0);
        if (locked && recovered >= stalled) held++;
      }
      if (held > 0) return held;
      await sleep(100);
    }
    return 0;
  } finally {
    redis.disconnect();
  }
}

function countLines(apps: AppProcess[], text: string): number {
  return apps.reduce((sum, app) => sum + app.lines.filter((line) => line.includes(text)).length, 0);
}

describe("worker crashes", () => {
  it("killed with SIGKILL mid-batch, leaves every queued order with exactly one row after stalled-job recovery", async () => {
    const scenario = await Scenario.create("sigkill");
    const { queue, ids, rows: countRows } = await scenario.enqueueOrders(1_500);
    // Slow batches keep many jobs active and many rows in flight when the kill lands: the first
    // worker reaches Postgres through a proxy that holds every packet 100 ms. (Its two lanes
    // share each INSERT, so between batches there is a moment with no job active at all.)
    const postgres = new URL(scenario.databaseUrl);
    const proxy = await scenario.faultProxy({
      target: { host: postgres.hostname, port: Number(postgres.port || 5432) },
    });
    proxy.setLatency(100);
    const first = await scenario.startWorker({
      databaseUrl: proxy.url(scenario.databaseUrl),
      // The stalled check is throttled queue-wide by whichever worker ran it last, with its own interval.
      env: { ...FAST_RECOVERY, BATCH_MAX_WAIT_MS: "50", WORKER_CONCURRENCY: "100" },
    });
    await waitUntil(
      async () => ((await countRows()) > 100 && (await queue.getActiveCount()) > 0 ? true : undefined),
      async () => `rows: ${await countRows()}; worker output: ${first.tail()}`,
      60_000,
    );
    expect((await first.kill()).signal).toBe("SIGKILL");
    const orphaned = await queue.getActiveCount();

    const recovery = await scenario.startWorker({
      env: { ...FAST_RECOVERY, BATCH_MAX_WAIT_MS: "5", WORKER_CONCURRENCY: "100" },
    });
    await waitUntil(
      async () => ((await queue.getCompletedCount()) === ids.length ? true : undefined),
      async () =>
        `${JSON.stringify(await queue.getJobCounts())}, ${orphaned} active at the kill; ${recovery.tail()}`,
      90_000,
    );
    const rows = await scenario.db.sql<{ status: string }[]>`
      select status from orders where id = any(${ids}::uuid[])`;
    expect(rows).toHaveLength(ids.length);
    expect(rows.every((r) => r.status === "accepted")).toBe(true);
    expect(orphaned, "jobs were active when the worker died").toBeGreaterThan(0);
    expect(await queue.getFailedCount()).toBe(0);
    recordMeasurement("worker SIGKILL mid-batch, 1,500 queued orders, Postgres 100 ms away", {
      jobs: ids.length,
      rows: rows.length,
      activeAtKill: orphaned,
      stalledRecoveries: countLines([recovery], "job stalled"),
    });
  }, 180_000);

  it("recovers every job of a worker SIGKILLed mid-batch, again and again, with one row per acked alert", async () => {
    const scenario = await Scenario.create("kill9");
    const receiver = await scenario.startReceiver();
    // Batches wait up to 200 ms, so every kill lands with jobs active and rows unwritten.
    const workerEnv = { ...FAST_RECOVERY, BATCH_MAX_WAIT_MS: "200" };
    const traffic = scenario.traffic({ origin: receiver.origin, ratePerSecond: 60, maxAttempts: 5 });
    const activeAtKill: number[] = [];
    const workers: AppProcess[] = [];
    for (let round = 0; round < 3; round++) {
      const worker = await scenario.startWorker({ env: workerEnv });
      workers.push(worker);
      await sleep(1_200 + Math.random() * 800);
      activeAtKill.push(await activeJobs(scenario.redis.url, scenario.prefix));
      await worker.kill();
    }
    const survivor = await scenario.startWorker({ env: workerEnv });
    workers.push(survivor);
    await sleep(1_000);
    await traffic.stop();
    const result = await scenario.account(traffic, 60_000);
    const report = JSON.stringify({ result, activeAtKill, outcomes: traffic.outcomes() });

    expect(result.acked, report).toBeGreaterThan(0);
    expect(result.lost, report).toEqual([]);
    expect(result.duplicated, report).toEqual([]);
    expect(result.statuses, report).toEqual({ accepted: result.rows });
    expect(
      activeAtKill.some((n) => n > 0),
      `no kill hit an active job: ${report}`,
    ).toBe(true);
    recordMeasurement("worker SIGKILL ×3 mid-batch", {
      acked: result.acked,
      rows: result.rows,
      lost: result.lost.length,
      duplicated: result.duplicated.length,
      activeJobsAtEachKill: activeAtKill.join("/"),
      stalledRecoveries: countLines(workers, "job stalled"),
    });
  }, 120_000);

  it("recovers jobs whose worker was SIGKILLed twice in a row while holding them (a crash loop), one row each", async () => {
    const scenario = await Scenario.create("crashloop");
    // Postgres 1 s away: every batch is still in flight when its worker dies.
    const postgres = new URL(scenario.databaseUrl);
    const proxy = await scenario.faultProxy({
      target: { host: postgres.hostname, port: Number(postgres.port || 5432) },
    });
    const receiver = await scenario.startReceiver();
    const traffic = scenario.traffic({ origin: receiver.origin, ratePerSecond: 20, maxAttempts: 3 });
    await sleep(2_000);
    await traffic.stop();
    proxy.setLatency(500);
    const slowDb = proxy.url(scenario.databaseUrl);
    const held: number[] = [];
    for (let round = 0; round < 2; round++) {
      const doomed = await scenario.startWorker({ databaseUrl: slowDb, env: FAST_RECOVERY });
      // Killed once it holds jobs (locked, and in round 2 already recovered once), before it can write them.
      held.push(await waitForHeldJobs(scenario.redis.url, scenario.prefix, round, 20_000));
      await doomed.kill();
    }
    proxy.heal();
    const survivor = await scenario.startWorker({ databaseUrl: slowDb, env: FAST_RECOVERY });
    const result = await scenario.account(traffic, 30_000);
    const reasons = await failedReasons(scenario.redis.url, scenario.prefix);
    const report = JSON.stringify({ result, failedReasons: reasons, survivor: survivor.tail(5) });
    recordMeasurement("worker crash loop (SIGKILL twice while holding the same jobs)", {
      acked: result.acked,
      rows: result.rows,
      lost: result.lost.length,
      duplicated: result.duplicated.length,
      jobsHeldAtEachKill: held.join("/"),
      failedReasons: reasons,
    });
    expect(result.lost, report).toEqual([]);
    expect(result.duplicated, report).toEqual([]);
    expect(result.statuses, report).toEqual({ accepted: result.rows });
  }, 120_000);

  it("keeps one row per job when a worker's event loop is blocked past its lock and another worker takes over", async () => {
    const scenario = await Scenario.create("block");
    const receiver = await scenario.startReceiver();
    const blockMs = 6_000;
    const blocked = await scenario.startWorker({
      env: { ...FAST_RECOVERY, BATCH_MAX_WAIT_MS: "500", BLOCK_EVENT_LOOP_MS: String(blockMs) },
      preload: [BLOCK_EVENT_LOOP],
    });
    const traffic = scenario.traffic({ origin: receiver.origin, ratePerSecond: 60, maxAttempts: 5 });
    await sleep(1_500);
    const rescuer = await scenario.startWorker({ env: FAST_RECOVERY });
    const activeAtBlock = await activeJobs(scenario.redis.url, scenario.prefix);
    blocked.signal("SIGUSR2");
    await sleep(blockMs + 3_000);
    await traffic.stop();
    const result = await scenario.account(traffic, 60_000);
    const report = JSON.stringify({ result, activeAtBlock, outcomes: traffic.outcomes() });

    expect(result.lost, report).toEqual([]);
    expect(result.duplicated, report).toEqual([]);
    expect(result.statuses, report).toEqual({ accepted: result.rows });
    expect(blocked.running, `the blocked worker died:\n${blocked.tail()}`).toBe(true);
    recordMeasurement("worker event loop blocked 6 s (lock 2 s)", {
      acked: result.acked,
      rows: result.rows,
      lost: result.lost.length,
      duplicated: result.duplicated.length,
      activeJobsAtBlock: activeAtBlock,
      stalledRecoveries: countLines([blocked, rescuer], "job stalled"),
      writesFoundExisting: countLines([blocked, rescuer], "order duplicate"),
    });
  }, 120_000);
});
