import { type Fixture, RedisServer } from "@orderhook/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buyAlert, createTestReceiver, type TestReceiver } from "./receiver-harness";

let redis: RedisServer;
let r: TestReceiver;
let f: Fixture;

beforeAll(async () => {
  redis = await RedisServer.start({ appendonly: false, args: ["--enable-debug-command", "yes"] });
  r = await createTestReceiver({ redisUrl: redis.url, redisTimeoutMs: 1_000 });
  f = await r.fixture();
});
afterAll(async () => {
  await r.close();
  await redis.cleanup();
});

async function send(comment: string, headers: Record<string, string> = {}) {
  const res = await r.app.request(`/v1/webhooks/${f.token}`, {
    method: "POST",
    body: JSON.stringify({ ...buyAlert, comment }),
    headers,
  });
  const text = await res.text();
  return { status: res.status, text, body: JSON.parse(text) as Record<string, unknown> };
}

async function untilReady(): Promise<number> {
  let status = 0;
  for (let i = 0; i < 200 && status !== 200; i++) {
    status = (await r.app.request("/readyz")).status;
    if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return status;
}

describe("Redis outage", () => {
  it("answers 503 unavailable while Redis is down, then recovers without a restart", async () => {
    expect((await send("before")).status).toBe(202);

    await redis.kill();
    const down = await send("during");
    expect(down.status, down.text).toBe(503);
    expect(down.body.code, down.text).toBe("unavailable");
    const ready = await r.app.request("/readyz");
    const readyText = await ready.text();
    expect(ready.status, readyText).toBe(503);
    // What is wrong, not the internals (addresses, error text) of why.
    expect(JSON.parse(readyText).detail, readyText).toBe("Redis is not usable.");
    expect(readyText, readyText).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|connection is/);

    await redis.restart();
    expect(await untilReady()).toBe(200);
    const after = await send("after");
    expect(after.status, after.text).toBe(202);
  });

  it("answers 503 instead of waiting on a Redis that stopped answering", async () => {
    const blocker = await createTestReceiver({ redisUrl: redis.url, redisTimeoutMs: 1_000 });
    try {
      // DEBUG SLEEP blocks the server; the request must give up at REDIS_TIMEOUT_MS.
      blocker.redis.call("DEBUG", "SLEEP", "2").catch(() => {});
      await new Promise((resolve) => setTimeout(resolve, 50));
      const slow = await send("slow");
      expect(slow.status, slow.text).toBe(503);
      expect(slow.body.code, slow.text).toBe("unavailable");
      // Keyless: the answer says a retry could double the order, and what to send instead.
      expect(slow.body.detail, slow.text).toMatch(/may have been queued.*no Idempotency-Key.*queue it twice/);
    } finally {
      await blocker.close();
    }
    expect(await untilReady()).toBe(200);
  });

  it("queues once when the script ran after its 503: the retry is a replay of the same order", async () => {
    const blocker = await createTestReceiver({ redisUrl: redis.url, redisTimeoutMs: 1_000 });
    const waitingBefore = await r.queue.getWaitingCount();
    try {
      blocker.redis.call("DEBUG", "SLEEP", "1.5").catch(() => {});
      await new Promise((resolve) => setTimeout(resolve, 50));
      // Sent, then given up on at REDIS_TIMEOUT_MS; Redis runs it once the sleep ends.
      const first = await send("late", { "idempotency-key": "late-script" });
      expect(first.status, first.text).toBe(503);
      expect(first.body.detail, first.text).toMatch(/may have been queued.*same Idempotency-Key/);
    } finally {
      await blocker.close();
    }
    expect(await untilReady()).toBe(200);
    const retry = await send("late", { "idempotency-key": "late-script" });
    expect(retry.status, retry.text).toBe(200);
    expect(await r.queue.getWaitingCount()).toBe(waitingBefore + 1);
    const job = await r.queue.getJob(String(retry.body.orderId));
    expect(job?.data.idempotencyKey).toBe("late-script");
  });
});
