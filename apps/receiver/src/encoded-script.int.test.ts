import { createRedis } from "@orderhook/queue";
import { RedisServer } from "@orderhook/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEncodedScript, encodeArguments } from "./encoded-script";

// A private server: the test flushes its script cache, which the shared Redis's other users need.
let server: RedisServer;
let redis: ReturnType<typeof createRedis>;

beforeAll(async () => {
  server = await RedisServer.start({ appendonly: false });
  redis = createRedis(server.url, { connectionName: "encoded-script-test" });
  await redis.ping();
});
afterAll(async () => {
  redis.disconnect();
  await server.cleanup();
});

const ECHO = "return {KEYS[1], KEYS[2], ARGV[1], ARGV[2], ARGV[3], #KEYS, #ARGV}";

describe("createEncodedScript", () => {
  it("sends keys and arguments, constant runs included, in order and byte-counted (multi-byte UTF-8 too)", async () => {
    const script = createEncodedScript(redis, ECHO, 2);
    const constants = encodeArguments(["k2", "ä€ 𝄞"]);
    const reply = await script.run(["k1", constants, "", '{"comment":"Kauf – 🚀"}']);
    expect(reply).toEqual(["k1", "k2", "ä€ 𝄞", "", '{"comment":"Kauf – 🚀"}', 2, 3]);
  });

  it("runs the script as EVAL once when Redis does not have it (NOSCRIPT), then as EVALSHA", async () => {
    const script = createEncodedScript(redis, `${ECHO} -- flushed`, 2);
    await script.run(["a", "b", "1", "2", "3"]);
    await redis.script("FLUSH");
    const before = await redis.info("commandstats");
    expect(await script.run(["a", "b", "4", "5", "6"])).toEqual(["a", "b", "4", "5", "6", 2, 3]);
    expect(await script.run(["a", "b", "7", "8", "9"])).toEqual(["a", "b", "7", "8", "9", 2, 3]);
    const after = await redis.info("commandstats");
    const calls = (info: string, command: string) =>
      Number(new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(info)?.[1] ?? 0);
    expect(calls(after, "eval") - calls(before, "eval")).toBe(1);
    // The refused EVALSHA, then the one after the EVAL put the script back.
    expect(calls(after, "evalsha") - calls(before, "evalsha")).toBe(2);
  });

  it("rejects with the script's error, which names it", async () => {
    const script = createEncodedScript(redis, "return redis.call('INCR', KEYS[1])", 1);
    await redis.set("not-a-number", "x");
    await expect(script.run(["not-a-number"])).rejects.toThrow(/not an integer/);
  });
});
