import { existsSync } from "node:fs";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { RedisServer } from "./redis-server";

const servers: RedisServer[] = [];
const clients: Redis[] = [];

async function startServer(options: Parameters<typeof RedisServer.start>[0] = {}) {
  const server = await RedisServer.start(options);
  servers.push(server);
  return server;
}

function client(server: RedisServer): Redis {
  const redis = new Redis(server.url, { maxRetriesPerRequest: null });
  redis.on("error", () => {});
  clients.push(redis);
  return redis;
}

afterEach(async () => {
  for (const redis of clients.splice(0)) redis.disconnect();
  for (const server of servers.splice(0)) await server.cleanup();
});

describe("RedisServer", () => {
  it("keeps every acknowledged write across kill -9 with appendfsync always", async () => {
    const server = await startServer({ appendfsync: "always" });
    const redis = client(server);
    for (let i = 0; i < 500; i++) await redis.rpush("acked", String(i));
    await server.kill();
    expect(server.running).toBe(false);

    await server.restart();
    const after = client(server);
    const values = await after.lrange("acked", 0, -1);
    expect(values.length, `survivors: ${values.length}`).toBe(500);
    expect(values.at(-1)).toBe("499");
  });

  it("keeps every BullMQ job whose add() resolved across kill -9", async () => {
    const server = await startServer();
    const queue = new Queue("orders", { connection: client(server), prefix: "faults" });
    const ids: string[] = [];
    for (let i = 0; i < 200; i++) {
      const job = await queue.add("order", { n: i }, { jobId: `job-${i}` });
      ids.push(job.id!);
    }
    await server.kill();
    await queue.close();

    await server.restart();
    const reopened = new Queue("orders", { connection: client(server), prefix: "faults" });
    const waiting = await reopened.getWaiting(0, -1);
    await reopened.close();
    expect(waiting.map((j) => j.id).sort()).toEqual([...ids].sort());
  });

  it("answers on a fresh port and removes its temporary directory on cleanup", async () => {
    const server = await RedisServer.start({ appendonly: false });
    expect(await client(server).ping()).toBe("PONG");
    await server.cleanup();
    expect(server.running).toBe(false);
    expect(existsSync(server.dir)).toBe(false);
  });
});
