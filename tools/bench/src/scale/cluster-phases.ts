import { randomBytes } from "node:crypto";
import {
  createOrderQueue,
  createRedisClient,
  keySlot,
  type RedisClient,
  shardPrefix,
  userShard,
} from "@orderhook/queue";
import { RedisCluster, RedisServer } from "@orderhook/testing";
import { Redis } from "ioredis";
import { prefillQueue } from "../measure/worker-drain";
import { seedWebhooks } from "../setup/seed-webhooks";
import { measureDrain } from "./drain-phase";
import { receiverPhase } from "./receiver-phase";
import type { ScaleContext } from "./scale-context";
import type { DrainPhaseResult, ReceiverPhaseResult } from "./scale-results";

/**
 * A `{label-…}` prefix whose first `shards` shard prefixes hash to slots of different masters,
 * as docs/redis-cluster.md tells operators to place them.
 */
async function spreadPrefix(cluster: RedisCluster, label: string, shards: number): Promise<string> {
  const starts = (await cluster.masters()).map((m) => m.firstSlot!);
  const masterOf = (slot: number) => starts.filter((start) => start <= slot).length - 1;
  for (let attempt = 0; attempt < 1_000; attempt++) {
    const prefix = `{${label}-${randomBytes(4).toString("hex")}}`;
    const used = new Set(
      Array.from({ length: shards }, (_, i) => masterOf(keySlot(`${shardPrefix(prefix, i)}:orders`))),
    );
    if (used.size === Math.min(shards, starts.length)) return prefix;
  }
  throw new Error("no prefix spreads the shards over the masters");
}

/**
 * The drain on a throwaway 3-master Redis Cluster (no replicas: their CPU is not the question
 * here) with `shards` queue shards and `workers` worker processes consuming every shard; CPU per
 * order for the workers and for each master.
 */
export async function clusterDrainPhase(
  ctx: ScaleContext,
  spec: { name: string; shards: number; workers: number },
): Promise<DrainPhaseResult> {
  const cluster = await RedisCluster.start({ masters: 3, replicasPerMaster: 0 });
  let redis: RedisClient | undefined;
  try {
    const prefix = await spreadPrefix(cluster, spec.name, spec.shards);
    redis = createRedisClient(
      { REDIS_URL: ctx.redisUrl, REDIS_CLUSTER_NODES: cluster.startupNodes },
      { maxRetriesPerRequest: null },
    );
    // Enough users that every shard has some; each shard gets its users' share of the jobs.
    const seeded = await seedWebhooks(ctx.db, { users: 4 * spec.shards, rateLimitPerSecond: 1_000_000 });
    const userIds = seeded.map((s) => s.userId);
    const queues = Array.from({ length: spec.shards }, (_, i) =>
      createOrderQueue(redis!, shardPrefix(prefix, i)),
    );
    await Promise.all(queues.map((queue) => queue.pause()));
    for (let shard = 0; shard < spec.shards; shard++) {
      const users = seeded.filter((s) => userShard(s.userId, spec.shards) === shard);
      const jobs = Math.round((ctx.drainJobs * users.length) / seeded.length);
      if (users.length > 0 && jobs > 0) {
        await prefillQueue(
          redis,
          shardPrefix(prefix, shard),
          users,
          jobs,
          `${spec.name}-${ctx.options.runId}`,
        );
      }
    }
    const jobs = (await Promise.all(queues.map((queue) => queue.getWaitingCount()))).reduce(
      (a, b) => a + b,
      0,
    );
    ctx.log(
      `${spec.name}: ${spec.workers} worker(s), Redis Cluster of 3 masters, ${spec.shards} shard(s), ${jobs} jobs`,
    );
    const masters = await cluster.masters();
    const result = await measureDrain(ctx, {
      name: spec.name,
      workers: spec.workers,
      pgbouncer: false,
      jobs,
      userIds,
      env: { databaseUrl: ctx.databaseUrl, redisUrl: ctx.redisUrl, queuePrefix: prefix },
      extraEnv: { REDIS_CLUSTER_NODES: cluster.nodesText, QUEUE_SHARDS: String(spec.shards) },
      processes: {
        postgres: ctx.services.postgres,
        ...Object.fromEntries(
          masters.map((master, i) => [
            `redis-${i}`,
            cluster.servers.find((s) => s.port === master.port)?.pid,
          ]),
        ),
      },
      resume: async () => {
        await Promise.all(queues.map((queue) => queue.resume()));
      },
    });
    await Promise.all(queues.map((queue) => queue.close()));
    return result;
  } finally {
    redis?.disconnect();
    await cluster.cleanup();
  }
}

/**
 * The receiver phase with REDIS_WAIT_REPLICAS=1: a replica attached to the run's redis-server
 * for the phase, so every ack waits for it (compare with `receiver-1`: the same without WAIT).
 */
export async function waitReplicasPhase(
  ctx: ScaleContext,
  { name }: { name: string },
): Promise<ReceiverPhaseResult> {
  const port = new URL(ctx.redisUrl).port;
  const replica = await RedisServer.start({ appendonly: false, args: ["--replicaof", "127.0.0.1", port] });
  try {
    const probe = new Redis(replica.url, { maxRetriesPerRequest: 1 });
    try {
      for (let i = 0; !(await probe.info("replication")).includes("master_link_status:up"); i++) {
        if (i > 300) throw new Error("the replica did not connect");
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    } finally {
      probe.disconnect();
    }
    ctx.log(`${name}: replica on port ${replica.port}`);
    return await receiverPhase(ctx, { name, webConcurrency: 1, env: { REDIS_WAIT_REPLICAS: "1" } });
  } finally {
    await replica.cleanup();
  }
}
