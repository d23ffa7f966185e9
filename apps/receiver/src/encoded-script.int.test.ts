import { createRedis } from "@orderhook/queue";
import { RedisServer } from "@orderhook/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEncodedScript, encodeArguments } from "./encoded-script";

// A private server: the test flushes its script cache, which the shared Redis's other users need.
let server: RedisServer;
let redis: ReturnType<typeof createRedis>;

beforeAll(async () => {
  server = await RedisServer.start({ appendonly: false, args: ["--enable-debug-command", "yes"] });
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
    const script = createEncodedScript(redis, ECHO);
    const constants = encodeArguments(["k2", "ä€ 𝄞"]);
    const reply = await script.run(2, ["k1", constants, "", '{"comment":"Kauf – 🚀"}']);
    expect(reply).toEqual(["k1", "k2", "ä€ 𝄞", "", '{"comment":"Kauf – 🚀"}', 2, 3]);
  });

  it("byte-counts arguments around and past the lengths whose heads are made once", async () => {
    const script = createEncodedScript(redis, "return ARGV");
    const values = [1023, 1024, 1025, 5000].map((n) => "é".repeat(n >> 1) + "x".repeat(n & 1));
    expect(await script.run(0, [values[0]!, encodeArguments(values.slice(1))])).toEqual(values);
  });

  it("loads the script with its first call on a connection, so a call Redis runs after a timeout still runs", async () => {
    const late = createRedis(server.url, { connectionName: "encoded-script-late", commandTimeout: 200 });
    const blocker = createRedis(server.url, { connectionName: "encoded-script-blocker" });
    try {
      await late.ping();
      await redis.script("FLUSH");
      const script = createEncodedScript(late, "return redis.call('SET', KEYS[1], ARGV[1])");
      const before = await redis.info("commandstats");
      blocker.call("DEBUG", "SLEEP", "0.6").catch(() => {});
      await new Promise((resolve) => setTimeout(resolve, 50));
      // The caller gives up at 200 ms; Redis runs the call when it wakes, script and all.
      await expect(script.run(1, ["late-key", "ran"])).rejects.toThrow(/timed out/i);
      await new Promise((resolve) => setTimeout(resolve, 800));
      expect(await redis.get("late-key")).toBe("ran");
      const after = await redis.info("commandstats");
      const calls = (info: string, command: string) =>
        Number(new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(info)?.[1] ?? 0);
      expect(calls(after, "eval") - calls(before, "eval")).toBe(1);
      expect(calls(after, "evalsha") - calls(before, "evalsha")).toBe(0);
    } finally {
      late.disconnect();
      blocker.disconnect();
    }
  });

  it("fails each call Redis holds past commandTimeout, in the order sent, and not the ones it answered", async () => {
    const timed = createRedis(server.url, { connectionName: "encoded-script-timeouts", commandTimeout: 200 });
    const blocker = createRedis(server.url, { connectionName: "encoded-script-blocker-2" });
    try {
      const script = createEncodedScript(timed, "return ARGV[1]");
      expect(await script.run(0, ["before"])).toBe("before");
      blocker.call("DEBUG", "SLEEP", "0.5").catch(() => {});
      await new Promise((resolve) => setTimeout(resolve, 50));
      const settled: string[] = [];
      const held = ["a", "b", "c"].map((arg, i) =>
        new Promise((resolve) => setTimeout(resolve, i * 40))
          .then(() => script.run(0, [arg]))
          .then(
            (reply) => settled.push(`${arg}:${String(reply)}`),
            (error: Error) => settled.push(`${arg}:${error.message}`),
          ),
      );
      await Promise.all(held);
      expect(settled).toEqual(["a:Command timed out", "b:Command timed out", "c:Command timed out"]);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(await script.run(0, ["after"])).toBe("after");
      // Past its timeout an answered call is left alone.
      await new Promise((resolve) => setTimeout(resolve, 300));
    } finally {
      timed.disconnect();
      blocker.disconnect();
    }
  });

  it("runs the script as EVAL once when Redis does not have it (NOSCRIPT), then as EVALSHA", async () => {
    const script = createEncodedScript(redis, `${ECHO} -- flushed`);
    await script.run(2, ["a", "b", "1", "2", "3"]);
    await redis.script("FLUSH");
    const before = await redis.info("commandstats");
    expect(await script.run(2, ["a", "b", "4", "5", "6"])).toEqual(["a", "b", "4", "5", "6", 2, 3]);
    expect(await script.run(2, ["a", "b", "7", "8", "9"])).toEqual(["a", "b", "7", "8", "9", 2, 3]);
    const after = await redis.info("commandstats");
    const calls = (info: string, command: string) =>
      Number(new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(info)?.[1] ?? 0);
    expect(calls(after, "eval") - calls(before, "eval")).toBe(1);
    // The refused EVALSHA, then the one after the EVAL put the script back.
    expect(calls(after, "evalsha") - calls(before, "evalsha")).toBe(2);
  });

  it("rejects with the script's error, which names it", async () => {
    const script = createEncodedScript(redis, "return redis.call('INCR', KEYS[1])");
    await redis.set("not-a-number", "x");
    await expect(script.run(1, ["not-a-number"])).rejects.toThrow(/not an integer/);
  });
});
