import { testRedisUrl, uniquePrefix, waitUntil } from "@orderhook/testing";
import { type JobsOptions, Queue, UnrecoverableError, Worker } from "bullmq";
import { afterAll, describe, expect, it } from "vitest";
import { createBatchConsumer } from "./batch-consumer";
import { createRedis } from "./redis-connection";

// The same jobs through BullMQ's own Worker and through the batch consumer must leave Redis in
// the same state: the consumer's take and complete scripts mirror BullMQ's moves by hand, and
// this is what says they still do.

const redis = createRedis(testRedisUrl(), { maxRetriesPerRequest: null });
afterAll(() => redis.disconnect());

const QUEUE = "conformance";
const OPTS: JobsOptions = {
  attempts: 3,
  backoff: { type: "fixed", delay: 20 },
  removeOnComplete: { age: 3_600, count: 1_000 },
  removeOnFail: { age: 86_400 },
};
const KINDS = { ok: 6, retry: 3, exhaust: 2, unrecoverable: 2 } as const;
type Kind = keyof typeof KINDS;
const JOBS = Object.entries(KINDS).flatMap(([kind, count]) =>
  Array.from({ length: count }, (_, i) => ({ id: `${kind}-${i}`, kind: kind as Kind })),
);

/** The processing both consumers run: succeeds, fails once, always fails, or refuses for good. */
async function processJob(kind: Kind, attemptsMade: number): Promise<void> {
  if (kind === "retry" && attemptsMade === 0) throw new Error("transient failure");
  if (kind === "exhaust") throw new Error(`still failing after ${attemptsMade} attempts`);
  if (kind === "unrecoverable") throw new UnrecoverableError("refused for good");
}

/** Fields that hold times, tokens or stack frames: they differ between any two runs. */
const VOLATILE_FIELDS = new Set(["timestamp", "processedOn", "finishedOn", "stacktrace"]);

interface QueueState {
  prefix: string;
  keys: string[];
  completed: string[];
  failed: string[];
  jobs: Record<string, Record<string, string>>;
  stackDepths: Record<string, number>;
  eventsByType: Record<string, number>;
  eventsByJob: Record<string, string[]>;
}

async function stateOf(prefix: string): Promise<QueueState> {
  const base = `${prefix}:${QUEUE}:`;
  const keys: string[] = [];
  let cursor = "0";
  do {
    const [next, found] = await redis.scan(cursor, "MATCH", `${base}*`, "COUNT", 1000);
    cursor = next;
    keys.push(...found.map((key) => key.slice(base.length)));
  } while (cursor !== "0");
  const jobs: QueueState["jobs"] = {};
  const stackDepths: QueueState["stackDepths"] = {};
  for (const { id } of JOBS) {
    const hash = await redis.hgetall(base + id);
    stackDepths[id] = hash.stacktrace === undefined ? 0 : (JSON.parse(hash.stacktrace) as unknown[]).length;
    jobs[id] = Object.fromEntries(Object.entries(hash).filter(([field]) => !VOLATILE_FIELDS.has(field)));
  }
  const eventsByType: QueueState["eventsByType"] = {};
  const eventsByJob: QueueState["eventsByJob"] = {};
  for (const [, fields] of await redis.xrange(`${base}events`, "-", "+")) {
    const entry: Record<string, string> = {};
    for (let i = 0; i < fields.length; i += 2) entry[fields[i]!] = fields[i + 1]!;
    const type = entry.event ?? "?";
    eventsByType[type] = (eventsByType[type] ?? 0) + 1;
    if (entry.jobId !== undefined) eventsByJob[entry.jobId] = [...(eventsByJob[entry.jobId] ?? []), type];
  }
  return {
    prefix,
    keys: keys.sort(),
    completed: (await redis.zrange(`${base}completed`, 0, -1)).sort(),
    failed: (await redis.zrange(`${base}failed`, 0, -1)).sort(),
    jobs,
    stackDepths,
    eventsByType,
    eventsByJob,
  };
}

/** Adds the jobs, runs `consume` until every job is completed or failed, and returns the queue's state. */
async function run(label: string, consume: (prefix: string) => { close(): Promise<void> }) {
  const prefix = uniquePrefix(label);
  const queue = new Queue(QUEUE, { connection: redis, prefix });
  await queue.addBulk(
    JOBS.map(({ id, kind }) => ({ name: "job", data: { kind }, opts: { ...OPTS, jobId: id } })),
  );
  const consumer = consume(prefix);
  try {
    await waitUntil(
      async () => {
        const counts = await queue.getJobCounts("completed", "failed");
        return (counts.completed ?? 0) + (counts.failed ?? 0) === JOBS.length ? true : undefined;
      },
      async () => `${label}: ${JSON.stringify(await queue.getJobCounts())}`,
    );
  } finally {
    await consumer.close();
    await queue.close();
  }
  return stateOf(prefix);
}

describe("the batch consumer against BullMQ's own Worker", () => {
  it("leaves the same completed and failed sets, job hashes, events and keys for successes, retries and failures", async () => {
    const bullmq = await run("conform-bullmq", (prefix) => {
      const worker = new Worker(QUEUE, (job) => processJob(job.data.kind, job.attemptsMade), {
        connection: redis,
        prefix,
        concurrency: 4,
      });
      return worker;
    });
    const batch = await run("conform-batch", (prefix) => {
      // As the order worker wires it: BullMQ's stalled checker runs, the consumer takes and completes.
      const worker = new Worker(QUEUE, null, { connection: redis, prefix, autorun: false });
      void worker.startStalledCheckTimer();
      const consumer = createBatchConsumer({
        connection: redis,
        prefix,
        queueName: QUEUE,
        worker,
        batchSize: 4,
        lanes: 2,
        lockDurationMs: 30_000,
        logger: { warn: () => {}, error: () => {} },
        process: (job) => processJob((job.data as { kind: Kind }).kind, job.attemptsMade),
      });
      return {
        async close() {
          await consumer.close();
          await worker.close();
        },
      };
    });

    expect(batch.completed, "completed set").toEqual(bullmq.completed);
    expect(batch.failed, "failed set").toEqual(bullmq.failed);
    expect(bullmq.completed).toHaveLength(KINDS.ok + KINDS.retry);
    for (const { id } of JOBS) {
      expect(batch.jobs[id], `job hash of ${id}`).toEqual(bullmq.jobs[id]);
    }
    expect(batch.stackDepths, "stack traces kept per job").toEqual(bullmq.stackDepths);
    expect(batch.eventsByJob, "events per job, in order").toEqual(bullmq.eventsByJob);
    // `drained` says the queue ran empty: how often depends on timing (and batching), not on the moves.
    const { drained: batchDrained, ...batchEvents } = batch.eventsByType;
    const { drained: bullmqDrained, ...bullmqEvents } = bullmq.eventsByType;
    expect(batchEvents, "events by type").toEqual(bullmqEvents);
    expect(
      [batchDrained, bullmqDrained].map((n) => (n ?? 0) > 0),
      "drained emitted",
    ).toEqual([true, true]);
    // The marker is a wake-up hint (a sorted set of at most two members: "0" for a waiting job,
    // "1" at the next delayed time). Whether one is still there when a consumer closes depends on
    // whether it popped the last hint first — timing, like `drained` — so it is compared as
    // bounded, not as present or absent.
    const withoutMarker = (keys: string[]) => keys.filter((key) => key !== "marker");
    expect(withoutMarker(batch.keys), "keys (metrics, locks and all)").toEqual(withoutMarker(bullmq.keys));
    expect(await redis.zcard(`${batch.prefix}:${QUEUE}:marker`), "markers left").toBeLessThanOrEqual(2);
  });
});
