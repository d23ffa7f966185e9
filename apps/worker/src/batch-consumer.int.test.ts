import { orders } from "@orderhook/db";
import {
  createOrderQueue,
  ORDER_JOB_NAME,
  ORDER_QUEUE_NAME,
  type OrderJob,
  orderJobOptions,
} from "@orderhook/queue";
import { uniquePrefix } from "@orderhook/testing";
import { type JobsOptions, Worker } from "bullmq";
import { inArray } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { type BatchConsumer, createBatchConsumer, type TakenJob } from "./batch-consumer";
import { buildOrderJob } from "./build-order-job";
import { TAKE_JOBS_LUA } from "./take-jobs-script";
import { waitUntil } from "./wait-until";
import { workerTestContext } from "./worker-test-context";

const t = workerTestContext();
const { client, redis, logger, startWorker } = t;

/** A consumer with its own processing, on a manual-mode BullMQ worker as createWorker builds it. */
function startConsumer(prefix: string, process: (job: TakenJob) => Promise<void>, lockDurationMs = 30_000) {
  const worker = new Worker(ORDER_QUEUE_NAME, null, {
    connection: redis,
    prefix,
    autorun: false,
    lockDuration: lockDurationMs,
    stalledInterval: 500,
  });
  const stalled: string[] = [];
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
    logger,
    process,
  });
  t.track(worker);
  t.track(consumer);
  return { stalled };
}

function queueFor(prefix: string) {
  const queue = createOrderQueue(redis, prefix);
  t.track(queue);
  return queue;
}

async function enqueue(prefix: string, jobs: OrderJob[], opts: JobsOptions = orderJobOptions()) {
  const queue = queueFor(prefix);
  await queue.addBulk(
    jobs.map((data) => ({ name: ORDER_JOB_NAME, data, opts: { ...opts, jobId: data.orderId } })),
  );
  return queue;
}

async function rowCount(ids: string[]): Promise<number> {
  return (await client.db.select({ id: orders.id }).from(orders).where(inArray(orders.id, ids))).length;
}

describe("batch consumer", () => {
  it("writes a batch of jobs as one row each and leaves them completed as BullMQ would", async () => {
    const prefix = uniquePrefix("batch-complete");
    const jobs = Array.from({ length: 120 }, () => buildOrderJob(t.fixture));
    const ids = jobs.map((j) => j.orderId);
    const queue = await enqueue(prefix, jobs);
    startWorker(prefix);
    const counts = await waitUntil(
      async () => {
        const c = await queue.getJobCounts("waiting", "active", "completed", "failed");
        return c.completed === jobs.length ? c : undefined;
      },
      async () => JSON.stringify(await queue.getJobCounts()),
    );
    expect(counts).toEqual({ waiting: 0, active: 0, completed: 120, failed: 0 });
    expect(await rowCount(ids)).toBe(120);
    const job = await queue.getJob(ids[7]!);
    expect(job, JSON.stringify(job)).toMatchObject({
      attemptsMade: 1,
      attemptsStarted: 1,
      returnvalue: null,
    });
    expect(job!.finishedOn).toBeGreaterThanOrEqual(job!.processedOn!);
    expect(await redis.exists(`${prefix}:${ORDER_QUEUE_NAME}:${ids[7]}:lock`)).toBe(0);
    expect(await redis.scard(`${prefix}:${ORDER_QUEUE_NAME}:stalled`)).toBe(0);
  });

  it("takes a job added with a plain Queue.add after it went idle", async () => {
    const prefix = uniquePrefix("batch-idle");
    const queue = queueFor(prefix);
    startWorker(prefix);
    // Let the consumer find the queue empty and block on its marker.
    await waitUntil(
      async () => ((await redis.exists(`${prefix}:${ORDER_QUEUE_NAME}:meta`)) === 1 ? true : undefined),
      () => "the consumer never looked at the queue",
    );
    const job = buildOrderJob(t.fixture);
    await queue.add(ORDER_JOB_NAME, job, { ...orderJobOptions(), jobId: job.orderId });
    await waitUntil(
      async () => ((await queue.getJobState(job.orderId)) === "completed" ? true : undefined),
      () => queue.getJobState(job.orderId),
    );
    expect(await rowCount([job.orderId])).toBe(1);
  });

  it("keeps only the completed jobs removeOnComplete asks for and deletes the older ones", async () => {
    const prefix = uniquePrefix("batch-retention");
    const jobs = Array.from({ length: 8 }, () => buildOrderJob(t.fixture));
    const queue = await enqueue(prefix, jobs, { ...orderJobOptions(), removeOnComplete: { count: 3 } });
    startWorker(prefix);
    await waitUntil(
      async () => ((await rowCount(jobs.map((j) => j.orderId))) === jobs.length ? true : undefined),
      () => "rows missing",
    );
    await waitUntil(
      async () => ((await queue.getJobCounts("active")).active === 0 ? true : undefined),
      async () => JSON.stringify(await queue.getJobCounts()),
    );
    expect(await queue.getJobCounts("completed")).toEqual({ completed: 3 });
    const kept = await Promise.all(
      jobs.map((j) => redis.exists(`${prefix}:${ORDER_QUEUE_NAME}:${j.orderId}`)),
    );
    expect(kept.filter((k) => k === 1)).toHaveLength(3);
  });

  it("recovers a batch a dead consumer took and locked, and writes each of its orders once", async () => {
    const prefix = uniquePrefix("batch-dead");
    const jobs = Array.from({ length: 12 }, () => buildOrderJob(t.fixture));
    const queue = await enqueue(prefix, jobs);
    // The dead consumer: it took and locked the jobs, then never renewed or finished them.
    redis.defineCommand("testTakeJobs", { numberOfKeys: 11, lua: TAKE_JOBS_LUA });
    const key = (name: string) => `${prefix}:${ORDER_QUEUE_NAME}:${name}`;
    const keys = ["wait", "active", "prioritized", "events", "stalled", "limiter", "delayed", "paused"]
      .concat(["meta", "pc", "marker"])
      .map(key);
    const take = (redis as unknown as { testTakeJobs(...args: (string | number)[]): Promise<unknown> })
      .testTakeJobs;
    await take.call(redis, ...keys, key(""), Date.now(), "dead:1", 500, "dead", 100);
    expect(await queue.getJobCounts("active", "waiting")).toEqual({ active: 12, waiting: 0 });
    startWorker(prefix, { lockDurationMs: 1_000, stalledIntervalMs: 1_000 });
    await waitUntil(
      async () => ((await queue.getJobCounts("completed")).completed === jobs.length ? true : undefined),
      async () => JSON.stringify(await queue.getJobCounts()),
    );
    expect(await rowCount(jobs.map((j) => j.orderId))).toBe(jobs.length);
    const job = await queue.getJob(jobs[0]!.orderId);
    expect(job, JSON.stringify(job)).toMatchObject({ stalledCounter: 1, attemptsStarted: 2 });
  });

  it("hands a failed job to BullMQ, which retries it after its backoff", async () => {
    const prefix = uniquePrefix("batch-retry");
    const job = buildOrderJob(t.fixture);
    const queue = await enqueue(prefix, [job], { attempts: 3, backoff: { type: "fixed", delay: 50 } });
    const attempts: number[] = [];
    startConsumer(prefix, async (taken) => {
      attempts.push(taken.attemptsMade);
      if (attempts.length === 1) throw new Error("connect ECONNREFUSED (simulated)");
    });
    await waitUntil(
      async () => ((await queue.getJobState(job.orderId)) === "completed" ? true : undefined),
      () => queue.getJobState(job.orderId),
    );
    expect(attempts).toEqual([0, 1]);
    const done = await queue.getJob(job.orderId);
    expect(done, JSON.stringify(done)).toMatchObject({
      attemptsMade: 2,
      failedReason: "connect ECONNREFUSED (simulated)",
    });
  });

  it("renews the locks of a batch that outlives its lock duration, so it is not taken for stalled", async () => {
    const prefix = uniquePrefix("batch-renew");
    const job = buildOrderJob(t.fixture);
    const queue = await enqueue(prefix, [job]);
    let runs = 0;
    const { stalled } = startConsumer(
      prefix,
      async () => {
        runs += 1;
        await new Promise((resolve) => setTimeout(resolve, 2_500));
      },
      1_000,
    );
    await waitUntil(
      async () => ((await queue.getJobState(job.orderId)) === "completed" ? true : undefined),
      () => queue.getJobState(job.orderId),
    );
    expect({ runs, stalled }).toEqual({ runs: 1, stalled: [] });
    expect((await queue.getJob(job.orderId))?.stalledCounter).toBe(0);
  });
});
