import { createRedis } from "@orderhook/queue";
import { testRedisUrl, uniquePrefix } from "@orderhook/testing";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTickBatch } from "./tick-batch";

let redis: Redis;
let prefix: string;

beforeAll(() => {
  redis = createRedis(testRedisUrl());
  prefix = uniquePrefix("batch");
});
// Keys under uniquePrefix are removed by the global teardown.
afterAll(() => {
  redis.disconnect();
});

describe("createTickBatch", () => {
  it("runs commands sent together and while a batch is out in the order they were sent", async () => {
    const send = createTickBatch(redis);
    const key = `${prefix}:order`;
    const first = Array.from({ length: 50 }, (_, i) => send<number>("rpush", [key, String(i)]));
    await Promise.resolve();
    const later = Array.from({ length: 50 }, (_, i) => send<number>("rpush", [key, String(50 + i)]));
    const lengths = await Promise.all([...first, ...later]);
    expect(lengths).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(await redis.lrange(key, 0, -1)).toEqual(Array.from({ length: 100 }, (_, i) => String(i)));
  });

  it("rejects only the command that failed, alone or in a batch", async () => {
    const send = createTickBatch(redis);
    const text = `${prefix}:text`;
    await redis.set(text, "not a number");
    await expect(send("incr", [text])).rejects.toThrow(/not an integer/);
    const [bad, good] = await Promise.allSettled([send("incr", [text]), send("incr", [`${prefix}:n`])]);
    expect(bad.status).toBe("rejected");
    expect(good).toEqual({ status: "fulfilled", value: 1 });
  });
});
