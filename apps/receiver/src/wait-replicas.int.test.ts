import { RedisServer } from "@orderhook/testing";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buyAlert, createTestReceiver, type TestReceiver } from "../test/receiver-harness";

// REDIS_WAIT_REPLICAS: no 202 before that many replicas hold the job. A master of its own
// (the run's Redis may have replicas or not): first alone, then with a replica attached.

let master: RedisServer;
let replica: RedisServer | undefined;
let r: TestReceiver;
let fixture: Awaited<ReturnType<TestReceiver["fixture"]>> | undefined;

beforeAll(async () => {
  master = await RedisServer.start({ appendonly: false });
  // A generous WAIT timeout: a loaded machine must not turn a slow replica ack into a 503.
  r = await createTestReceiver({ redisUrl: master.url, waitReplicas: 1, waitTimeoutMs: 1_000 });
});
afterAll(async () => {
  await r?.close();
  await replica?.cleanup();
  await master?.cleanup();
});

async function post(key: string, body: unknown = buyAlert) {
  const f = fixture!;
  const res = await r.app.request(`/v1/webhooks/${f.token}`, {
    method: "POST",
    body: JSON.stringify(body),
    headers: { "content-type": "application/json", "idempotency-key": key },
  });
  const text = await res.text();
  return {
    status: res.status,
    text,
    body: JSON.parse(text) as Record<string, unknown>,
    headers: res.headers,
  };
}

async function untilReplicated(port: number): Promise<void> {
  const probe = new Redis(port, "127.0.0.1", { maxRetriesPerRequest: 1 });
  try {
    for (let i = 0; i < 200; i++) {
      if ((await probe.info("replication")).includes("master_link_status:up")) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error("the replica did not connect");
  } finally {
    probe.disconnect();
  }
}

describe("REDIS_WAIT_REPLICAS=1", () => {
  it("answers 503 unavailable with Retry-After while no replica acknowledges, and the retry replays the order once one does", async () => {
    fixture = await r.fixture();
    const first = await post("wait-1");
    expect(first.status, first.text).toBe(503);
    expect(first.body.code, first.text).toBe("unavailable");
    expect(first.headers.get("retry-after")).toBe("1");
    // Not confirmed is not "not done": the job is queued, and is the one the retry gets.
    const [queued] = await r.queue.getJobs(["waiting"]);
    expect(queued?.data.idempotencyKey).toBe("wait-1");

    replica = await RedisServer.start({
      appendonly: false,
      args: ["--replicaof", "127.0.0.1", String(master.port)],
    });
    await untilReplicated(replica.port);
    const retry = await post("wait-1");
    expect(retry.status, retry.text).toBe(200);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    expect(retry.body.orderId).toBe(queued!.id);

    const next = await post("wait-2");
    expect(next.status, next.text).toBe(202);
    expect(await r.queue.getWaitingCount()).toBe(2);
  });
});
