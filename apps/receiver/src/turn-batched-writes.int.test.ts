import { createRedis } from "@orderhook/queue";
import { testRedisUrl, uniquePrefix } from "@orderhook/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTurnBatchedWrites } from "./turn-batched-writes";

const redis = createRedis(testRedisUrl(), { connectionName: "turn-batched-writes-test" });
const prefix = uniquePrefix("turn-batch");

beforeAll(async () => {
  await redis.ping();
});
afterAll(async () => {
  await redis.del(`${prefix}:counter`);
  redis.disconnect();
});

describe("createTurnBatchedWrites", () => {
  it("holds the commands of one event-loop turn in the corked socket and sends them together in the check phase", async () => {
    const batchWrites = createTurnBatchedWrites(redis);
    const replies: Promise<number>[] = [];
    for (let i = 0; i < 50; i++) {
      batchWrites();
      replies.push(redis.incr(`${prefix}:counter`));
    }
    expect(redis.stream.writableCorked).toBe(1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(redis.stream.writableCorked).toBe(0);
    expect(await Promise.all(replies)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
  });

  it("corks again in a later turn, and leaves a connection that is not ready alone", async () => {
    const batchWrites = createTurnBatchedWrites(redis);
    batchWrites();
    const first = redis.incr(`${prefix}:counter`);
    await first;
    batchWrites();
    expect(redis.stream.writableCorked).toBe(1);
    await redis.incr(`${prefix}:counter`);
    expect(redis.stream.writableCorked).toBe(0);

    const closed = createRedis(testRedisUrl(), { lazyConnect: true });
    createTurnBatchedWrites(closed)();
    expect(closed.status).toBe("wait");
    closed.disconnect();
  });
});
