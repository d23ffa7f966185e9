import { randomBytes } from "node:crypto";
import { createDbClient, type DbClient } from "@orderhook/db";
import { createOrderQueue, createRedisClient, keySlot, shardPrefix, userShard } from "@orderhook/queue";
import {
  AlertTraffic,
  type AlertTrafficOptions,
  AppProcess,
  auditOrders,
  createFixture,
  type Fixture,
  type OrderAudit,
  RedisCluster,
  type RedisClusterOptions,
  testDatabaseUrl,
} from "@orderhook/testing";

export interface ClusterScenarioOptions {
  cluster?: RedisClusterOptions;
  shards: number;
  /** Users per shard (each user's alerts go to its shard). */
  usersPerShard?: number;
}

/**
 * A fault scenario on a throwaway Redis Cluster (3 masters with a replica each unless told):
 * users spread over `shards` queue shards, under a prefix whose shards sit on different masters
 * (picked the way docs/redis-cluster.md tells operators to check theirs), the apps it starts,
 * and the accounting check at the end.
 */
export class ClusterScenario {
  readonly apps: AppProcess[] = [];
  private constructor(
    readonly cluster: RedisCluster,
    readonly db: DbClient,
    readonly fixtures: Fixture[],
    readonly prefix: string,
    readonly shards: number,
  ) {}

  static async create(label: string, options: ClusterScenarioOptions): Promise<ClusterScenario> {
    const cluster = await RedisCluster.start({ masters: 3, replicasPerMaster: 1, ...options.cluster });
    const db = createDbClient({ url: testDatabaseUrl(), max: 2, applicationName: "orderhook-fault-suite" });
    try {
      const prefix = await spreadPrefix(cluster, label, options.shards);
      const wanted = options.usersPerShard ?? 2;
      const perShard = new Array<number>(options.shards).fill(0);
      const fixtures: Fixture[] = [];
      while (perShard.some((n) => n < wanted)) {
        const fixture = await createFixture(db.db);
        const shard = userShard(fixture.userId, options.shards);
        if (perShard[shard]! < wanted) {
          perShard[shard]! += 1;
          fixtures.push(fixture);
        }
      }
      return new ClusterScenario(cluster, db, fixtures, prefix, options.shards);
    } catch (error) {
      await db.close();
      await cluster.cleanup();
      throw error;
    }
  }

  get userIds(): string[] {
    return this.fixtures.map((f) => f.userId);
  }

  get tokens(): string[] {
    return this.fixtures.map((f) => f.token);
  }

  /** The shard prefixes, in shard order. */
  get prefixes(): string[] {
    return Array.from({ length: this.shards }, (_, i) => shardPrefix(this.prefix, i));
  }

  env(env: Record<string, string> = {}): Record<string, string> {
    return {
      DATABASE_URL: testDatabaseUrl(),
      REDIS_CLUSTER_NODES: this.cluster.nodesText,
      QUEUE_PREFIX: this.prefix,
      QUEUE_SHARDS: String(this.shards),
      DB_POOL_MAX: "3",
      ...env,
    };
  }

  async startReceiver(env: Record<string, string> = {}): Promise<AppProcess> {
    const app = await AppProcess.start({
      app: "receiver",
      env: this.env({
        RATE_LIMIT_PER_SECOND: "100000",
        REFUSAL_LIMIT_PER_SECOND: "100000",
        REFUSAL_BURST: "100000",
        ...env,
      }),
    });
    this.apps.push(app);
    return app;
  }

  async startWorker(env: Record<string, string> = {}): Promise<AppProcess> {
    const app = await AppProcess.start({
      app: "worker",
      env: this.env({ WORKER_CONCURRENCY: "50", ...env }),
    });
    this.apps.push(app);
    return app;
  }

  traffic(options: Partial<AlertTrafficOptions> & Pick<AlertTrafficOptions, "origin">): AlertTraffic {
    return AlertTraffic.start({ tokens: this.tokens, ratePerSecond: 50, ...options });
  }

  /** Waits (bounded) for a row per acked alert, then audits the users' orders. */
  async account(traffic: AlertTraffic | AlertTraffic[], timeoutMs = 60_000): Promise<OrderAudit> {
    const alerts = [traffic].flat().flatMap((run) => run.alerts);
    const acked = alerts.filter((alert) => alert.attempts.some((a) => a.orderId !== null)).length;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const [row] = await this.db.sql<{ n: number }[]>`
        select count(*)::int as n from orders
        where user_id = any(${this.userIds}::uuid[]) and status <> 'failed'`;
      if ((row?.n ?? 0) >= acked || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
    return auditOrders(this.db.sql, alerts, this.userIds);
  }

  /** Completed jobs of each shard's queue, in shard order. */
  async completedPerShard(): Promise<number[]> {
    const redis = createRedisClient(
      { REDIS_URL: "redis://unused", REDIS_CLUSTER_NODES: this.cluster.startupNodes },
      { maxRetriesPerRequest: null },
    );
    try {
      return await Promise.all(
        this.prefixes.map(async (prefix) => {
          const queue = createOrderQueue(redis, prefix);
          try {
            return await queue.getCompletedCount();
          } finally {
            await queue.close();
          }
        }),
      );
    } finally {
      redis.disconnect();
    }
  }

  /** How many different masters serve the shards' queues. */
  async shardMasterCount(): Promise<number> {
    const masterOf = await slotMaster(this.cluster);
    return new Set(this.prefixes.map((prefix) => masterOf(keySlot(`${prefix}:orders`)))).size;
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.apps.map((app) => app.kill()));
    await this.cluster.cleanup();
    await this.db.close();
  }
}

/**
 * A `{label-…}` prefix whose first `shards` shard prefixes hash to slots of different masters
 * (as many as there are), so the shards really spread the work.
 */
async function spreadPrefix(cluster: RedisCluster, label: string, shards: number): Promise<string> {
  const masters = (await cluster.masters()).length;
  const masterOf = await slotMaster(cluster);
  for (let attempt = 0; attempt < 1_000; attempt++) {
    const prefix = `{${label}-${randomBytes(4).toString("hex")}}`;
    const used = new Set(
      Array.from({ length: shards }, (_, i) => masterOf(keySlot(`${shardPrefix(prefix, i)}:orders`))),
    );
    if (used.size === Math.min(shards, masters)) return prefix;
  }
  throw new Error("no prefix spreads the shards over the masters");
}

/** The index (in `cluster.masters()` order) of the master serving a slot. */
async function slotMaster(cluster: RedisCluster): Promise<(slot: number) => number> {
  const starts = (await cluster.masters()).map((m) => m.firstSlot!);
  return (slot) => starts.filter((start) => start <= slot).length - 1;
}
