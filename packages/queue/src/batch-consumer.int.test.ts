import { testRedisUrl, uniquePrefix, waitUntil } from "@orderhook/testing";
import { type JobsOptions, Queue, Worker } from "bullmq";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { type BatchConsumer, type BatchConsumerOptions, createBatchConsumer } from "./batch-consumer";
import type { BatchLogger } from "./batch-logger";
import type { TakenJob } from "./batch-scripts";
import { loadLuaCommand } from "./bullmq-lua";
import type { BurstPacer } from "./burst-pacer";
import { ORDER_QUEUE_NAME } from "./order-job";
import { createRedis } from "./redis-connection";

const redis = createRedis(testRedisUrl(), { maxRetriesPerRequest: null });
const silent: BatchLogger = { warn: () => {}, error: () => {} };
const started: { close(): Promise<void> }[] = [];

afterEach(async () => {
  for (const closable of started.splice(0).reverse()) await closable.close();
});
afterAll(() => redis.disconnect());

interface ConsumerOptions {
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  burstPacing?: BatchConsumerOptions["burstPacing"];
  burstPacer?: BurstPacer;
}

/** A consumer on a manual-mode BullMQ worker, as the order worker builds it; `processed` records each run. */
function startConsumer(
  prefix: string,
  process: (job: TakenJob) => Promise<void> = async () => {},
  { lockDurationMs = 30_000, stalledIntervalMs = 500, burstPacing, burstPacer }: ConsumerOptions = {},
) {
  const worker = new Worker(ORDER_QUEUE_NAME, null, {
    connection: redis,
    prefix,
    autorun: false,
    lockDuration: lockDurationMs,
    stalledInterval: stalledIntervalMs,
  });
  const stalled: string[] = [];
  const processed: string[] = [];
  const pauses: number[] = [];
  worker.on("stalled", (jobId) => stalled.push(jobId));
  void worker.startStalledCheckTimer();
  const consumer: BatchConsumer = createBatchConsumer({
    connection: redis,
    prefix,
    queueName: ORDER_QUEUE_NAME,
    worker,
    batchSize: 10,
    lanes: 2,
    lockDurationMs,
    logger: silent,
    burstPacing,
    burstPacer,
    onBurstPause: (ms) => pauses.push(ms),
    async process(job) {
      await process(job);
      processed.push(job.id);
    },
  });
  started.push(worker, consumer);
  return { stalled, processed, pauses };
}

function queueFor(prefix: string): Queue {
  const queue = new Queue(ORDER_QUEUE_NAME, { connection: redis, prefix });
  started.push(queue);
  return queue;
}

async function enqueue(prefix: string, count: number, opts: JobsOptions = {}) {
  const queue = queueFor(prefix);
  const ids = Array.from({ length: count }, (_, i) => `job-${i}`);
  await queue.addBulk(ids.map((jobId, n) => ({ name: "order", data: { n }, opts: { ...opts, jobId } })));
  return { queue, ids };
}

describe("batch consumer", () => {
  it("processes a batch of jobs once each and leaves them completed as BullMQ would", async () => {
    const prefix = uniquePrefix("batch-complete");
    const { queue, ids } = await enqueue(prefix, 120);
    const { processed } = startConsumer(prefix);
    const counts = await waitUntil(
      async () => {
        const c = await queue.getJobCounts("waiting", "active", "completed", "failed");
        return c.completed === ids.length ? c : undefined;
      },
      async () => JSON.stringify(await queue.getJobCounts()),
    );
    expect(counts).toEqual({ waiting: 0, active: 0, completed: 120, failed: 0 });
    expect(processed.sort()).toEqual([...ids].sort());
    const job = await queue.getJob(ids[7]!);
    expect(job, JSON.stringify(job)).toMatchObject({
      attemptsMade: 1,
      attemptsStarted: 1,
      returnvalue: null,
      data: { n: 7 },
    });
    expect(job!.finishedOn).toBeGreaterThanOrEqual(job!.processedOn!);
    expect(await redis.exists(`${prefix}:${ORDER_QUEUE_NAME}:${ids[7]}:lock`)).toBe(0);
    expect(await redis.scard(`${prefix}:${ORDER_QUEUE_NAME}:stalled`)).toBe(0);
  });

  it("takes nothing from a burst's detection until its pacer says it is over, then drains every job once", async () => {
    const prefix = uniquePrefix("batch-burst-hold");
    const { queue, ids } = await enqueue(prefix, 200);
    // A pacer that sees a burst at the third take and ends it when the test says so.
    const observations: ("take" | "look")[] = [];
    let tookSince = false;
    let takes = 0;
    let jobsTaken = 0;
    let burst = false;
    const pacer: BurstPacer = {
      taken(count) {
        tookSince = true;
        jobsTaken += count;
      },
      observe() {
        observations.push(tookSince ? "take" : "look");
        if (tookSince && ++takes === 3) burst = true;
        tookSince = false;
        return burst ? 20 : 0;
      },
    };
    const { processed, pauses } = startConsumer(prefix, async () => {}, { burstPacer: pacer });
    await waitUntil(
      async () => (observations.filter((o) => o === "look").length >= 5 ? true : undefined),
      () => JSON.stringify(observations),
    );
    // After the third take only looks (one LLEN each): at most the other lane's take was in flight.
    const takeAt = observations.flatMap((o, i) => (o === "take" ? [i] : []));
    expect(takeAt.filter((i) => i > takeAt[2]!).length, JSON.stringify(observations)).toBeLessThanOrEqual(1);
    expect(await queue.getJobCounts("waiting")).toEqual({ waiting: ids.length - jobsTaken });
    expect(jobsTaken).toBeLessThanOrEqual(4 * 10);
    // One pause at a time for the whole consumer, each reported once.
    expect(pauses.length).toBeGreaterThanOrEqual(5);
    expect(pauses.every((ms) => ms === 20)).toBe(true);
    burst = false;
    const counts = await waitUntil(
      async () => {
        const c = await queue.getJobCounts("waiting", "active", "completed", "failed");
        return c.completed === ids.length ? c : undefined;
      },
      async () => JSON.stringify(await queue.getJobCounts()),
    );
    expect(counts).toEqual({ waiting: 0, active: 0, completed: ids.length, failed: 0 });
    expect(processed.sort()).toEqual([...ids].sort());
  });

  it("pauses while jobs pour in, within its budget, and still processes each job once", async () => {
    const prefix = uniquePrefix("batch-burst");
    const queue = queueFor(prefix);
    // Any arrival is a burst here, so it pauses from the first takes until the budget is spent.
    const { processed, pauses } = startConsumer(prefix, async () => {}, {
      burstPacing: { burstPerSecond: 1, pauseMs: 20, maxPauseMs: 300 },
    });
    const ids: string[] = [];
    for (let round = 0; round < 10; round++) {
      const jobs = Array.from({ length: 100 }, (_, i) => ({
        name: "order",
        data: { n: round * 100 + i },
        opts: { jobId: `job-${round}-${i}` },
      }));
      ids.push(...jobs.map((job) => job.opts.jobId));
      await queue.addBulk(jobs);
    }
    const counts = await waitUntil(
      async () => {
        const c = await queue.getJobCounts("waiting", "active", "completed", "failed");
        return c.completed === ids.length ? c : undefined;
      },
      async () => JSON.stringify(await queue.getJobCounts()),
    );
    expect(counts).toEqual({ waiting: 0, active: 0, completed: 1_000, failed: 0 });
    expect(processed.sort()).toEqual([...ids].sort());
    expect(pauses.length, JSON.stringify(pauses)).toBeGreaterThan(0);
    expect(
      pauses.every((ms) => ms > 0 && ms <= 20),
      JSON.stringify(pauses),
    ).toBe(true);
    // One budget for the burst, and one pause at a time for the whole consumer.
    expect(pauses.reduce((sum, ms) => sum + ms, 0)).toBeLessThanOrEqual(300);
  });

  it("takes a job added with a plain Queue.add after it went idle", async () => {
    const prefix = uniquePrefix("batch-idle");
    const queue = queueFor(prefix);
    const { processed } = startConsumer(prefix);
    // Let the consumer find the queue empty and block on its marker.
    await waitUntil(
      async () => ((await redis.exists(`${prefix}:${ORDER_QUEUE_NAME}:meta`)) === 1 ? true : undefined),
      () => "the consumer never looked at the queue",
    );
    await queue.add("order", { late: true }, { jobId: "late" });
    await waitUntil(
      async () => ((await queue.getJobState("late")) === "completed" ? true : undefined),
      () => queue.getJobState("late"),
    );
    expect(processed).toEqual(["late"]);
  });

  it("keeps only the completed jobs removeOnComplete asks for and deletes the older ones", async () => {
    const prefix = uniquePrefix("batch-retention");
    const { queue, ids } = await enqueue(prefix, 8, { removeOnComplete: { count: 3 } });
    const { processed } = startConsumer(prefix);
    await waitUntil(
      async () => (processed.length === ids.length ? true : undefined),
      () => `processed: ${processed.length}`,
    );
    await waitUntil(
      async () => ((await queue.getJobCounts("active")).active === 0 ? true : undefined),
      async () => JSON.stringify(await queue.getJobCounts()),
    );
    expect(await queue.getJobCounts("completed")).toEqual({ completed: 3 });
    const kept = await Promise.all(ids.map((id) => redis.exists(`${prefix}:${ORDER_QUEUE_NAME}:${id}`)));
    expect(kept.filter((k) => k === 1)).toHaveLength(3);
  });

  it("recovers a batch a dead consumer took and locked, and processes each of its jobs once", async () => {
    const prefix = uniquePrefix("batch-dead");
    const { queue, ids } = await enqueue(prefix, 12);
    // The dead consumer: it took and locked the jobs, then never renewed or finished them.
    const { numberOfKeys, lua } = loadLuaCommand("takeJobs-11.lua");
    redis.defineCommand("testTakeJobs", { numberOfKeys, lua });
    const key = (name: string) => `${prefix}:${ORDER_QUEUE_NAME}:${name}`;
    const keys = ["wait", "active", "prioritized", "events", "stalled", "limiter", "delayed", "paused"]
      .concat(["meta", "pc", "marker"])
      .map(key);
    const take = (redis as unknown as { testTakeJobs(...args: (string | number)[]): Promise<unknown> })
      .testTakeJobs;
    await take.call(redis, ...keys, key(""), Date.now(), "dead:1", 500, "dead", 100);
    expect(await queue.getJobCounts("active", "waiting")).toEqual({ active: 12, waiting: 0 });
    const { processed } = startConsumer(prefix, undefined, {
      lockDurationMs: 1_000,
      stalledIntervalMs: 1_000,
    });
    await waitUntil(
      async () => ((await queue.getJobCounts("completed")).completed === ids.length ? true : undefined),
      async () => JSON.stringify(await queue.getJobCounts()),
    );
    expect(processed.sort()).toEqual([...ids].sort());
    const job = await queue.getJob(ids[0]!);
    expect(job, JSON.stringify(job)).toMatchObject({ stalledCounter: 1, attemptsStarted: 2 });
  });

  it("hands a failed job to BullMQ, which retries it after its backoff", async () => {
    const prefix = uniquePrefix("batch-retry");
    const { queue, ids } = await enqueue(prefix, 1, { attempts: 3, backoff: { type: "fixed", delay: 50 } });
    const attempts: number[] = [];
    startConsumer(prefix, async (taken) => {
      attempts.push(taken.attemptsMade);
      if (attempts.length === 1) throw new Error("connect ECONNREFUSED (simulated)");
    });
    await waitUntil(
      async () => ((await queue.getJobState(ids[0]!)) === "completed" ? true : undefined),
      () => queue.getJobState(ids[0]!),
    );
    expect(attempts).toEqual([0, 1]);
    const done = await queue.getJob(ids[0]!);
    expect(done, JSON.stringify(done)).toMatchObject({
      attemptsMade: 2,
      failedReason: "connect ECONNREFUSED (simulated)",
    });
  });

  it("renews the locks of a batch that outlives its lock duration, so it is not taken for stalled", async () => {
    const prefix = uniquePrefix("batch-renew");
    const { queue, ids } = await enqueue(prefix, 1);
    let runs = 0;
    const { stalled } = startConsumer(
      prefix,
      async () => {
        runs += 1;
        await new Promise((resolve) => setTimeout(resolve, 2_500));
      },
      { lockDurationMs: 1_000 },
    );
    await waitUntil(
      async () => ((await queue.getJobState(ids[0]!)) === "completed" ? true : undefined),
      () => queue.getJobState(ids[0]!),
    );
    expect({ runs, stalled }).toEqual({ runs: 1, stalled: [] });
    expect((await queue.getJob(ids[0]!))?.stalledCounter).toBe(0);
  });
});
