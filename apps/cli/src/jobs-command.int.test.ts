import { randomUUID } from "node:crypto";
import { parseAlert } from "@orderhook/alert";
import {
  createOrderQueue,
  createRedis,
  ORDER_JOB_NAME,
  ORDER_QUEUE_NAME,
  type OrderJob,
} from "@orderhook/queue";
import { testRedisUrl } from "@orderhook/testing";
import { QueueEvents, Worker } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliRunner } from "../test/capture-cli";

const { env, run } = cliRunner();
const redis = createRedis(testRedisUrl(), { maxRetriesPerRequest: null });
const queue = createOrderQueue(redis, env.QUEUE_PREFIX, { retry: { attempts: 1, backoffMs: 1 } });
const failedIds: string[] = [];

function job(ticker: string): OrderJob {
  const id = randomUUID();
  const raw = { ticker, action: "buy", quantity: 1 };
  return {
    v: 1,
    orderId: id,
    userId: randomUUID(),
    webhookId: randomUUID(),
    accountId: randomUUID(),
    idempotencyKey: null,
    alert: parseAlert(raw),
    raw,
    receivedAt: Date.now(),
  };
}

/** Fails three jobs for real: a BullMQ worker whose broker call always throws. */
beforeAll(async () => {
  const worker = new Worker<OrderJob>(
    ORDER_QUEUE_NAME,
    async () => {
      throw new Error("broker unreachable");
    },
    { connection: redis.duplicate(), prefix: env.QUEUE_PREFIX },
  );
  const events = new QueueEvents(ORDER_QUEUE_NAME, {
    connection: redis.duplicate(),
    prefix: env.QUEUE_PREFIX,
  });
  await events.waitUntilReady();
  const jobs = ["AAPL", "MSFT", "NVDA"].map(job);
  const failed = new Promise<void>((resolve) => {
    events.on("failed", ({ jobId }) => {
      failedIds.push(jobId);
      if (failedIds.length === jobs.length) resolve();
    });
  });
  for (const data of jobs) await queue.add(ORDER_JOB_NAME, data, { jobId: data.orderId });
  await failed;
  await worker.close();
  await events.close();
});

afterAll(async () => {
  await queue.obliterate({ force: true });
  await queue.close();
  redis.disconnect();
});

describe("orderhook jobs", () => {
  it("lists the failed jobs with their reason", async () => {
    const result = await run(["jobs", "failed", "--json"]);
    expect(result.code, result.stderr).toBe(0);
    const listed = result.json<{
      total: number;
      jobs: { id: string; failedReason: string; ticker: string }[];
    }>();
    expect(listed.total).toBe(3);
    expect(listed.jobs.map((j) => j.id).sort()).toEqual([...failedIds].sort());
    expect(listed.jobs.every((j) => j.failedReason === "broker unreachable")).toBe(true);

    const human = await run(["jobs", "failed"]);
    expect(human.stdout, human.stdout).toMatch(/^JOB\s+FAILED\s+ATTEMPTS\s+TICKER\s+ACTION\s+REASON\n/);
  });

  it("retries one failed job by id with a fresh attempt budget, then refuses to retry it again", async () => {
    const id = failedIds[0]!;
    expect((await queue.getJob(id))?.attemptsMade).toBe(1);
    const result = await run(["jobs", "retry", id, "--json"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.json()).toEqual({ retried: 1, ids: [id] });
    expect(await queue.getJobState(id)).toBe("waiting");
    expect((await queue.getJob(id))?.attemptsMade).toBe(0);

    const again = await run(["jobs", "retry", id]);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(`orderhook: conflict: job ${id} is waiting, not failed\n`);
  });

  it("retries every remaining failed job with --all", async () => {
    const result = await run(["jobs", "retry", "--all", "--json"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.json()).toEqual({ retried: 2 });
    expect(await queue.getFailedCount()).toBe(0);
    expect(await queue.getWaitingCount()).toBe(3);
    const waiting = await queue.getWaiting();
    expect(waiting.map((j) => j.attemptsMade)).toEqual([0, 0, 0]);
  });

  it("refuses an unknown job id, and a retry with neither id nor --all", async () => {
    const unknown = await run(["jobs", "retry", "no-such-job"]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe("orderhook: not_found: no job with id no-such-job in the order queue\n");
    const neither = await run(["jobs", "retry", "--json"]);
    expect(neither.code).toBe(1);
    expect(JSON.parse(neither.stderr).error.code, neither.stderr).toBe("invalid_argument");
  });

  it("fails fast with unavailable when Redis is unreachable", async () => {
    const result = await run(["jobs", "failed", "--json"], { REDIS_URL: "redis://127.0.0.1:1" });
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stderr).error, result.stderr).toMatchObject({
      code: "unavailable",
      message: expect.stringContaining("Redis at 127.0.0.1:1 is unreachable"),
    });
  });
});
