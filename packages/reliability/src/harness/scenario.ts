import { broadcastWebhookChange } from "@orderhook/admin";
import { createDbClient, type DbClient, findMigrationsFolder, runMigrations } from "@orderhook/db";
import {
  createOrderQueue,
  createRedis,
  ORDER_JOB_NAME,
  type OrderQueue,
  orderJobOptions,
} from "@orderhook/queue";
import {
  AlertTraffic,
  type AlertTrafficOptions,
  type AppName,
  type AppOptions,
  AppProcess,
  auditOrders,
  buildOrderJob,
  createFixture,
  FaultProxy,
  type FaultProxyOptions,
  type Fixture,
  type FixtureOptions,
  type OrderAudit,
  type OrderhookRun,
  RedisServer,
  type RedisServerOptions,
  runOrderhook,
  type ScratchDatabase,
  scratchDatabase,
  testDatabaseUrl,
  uniquePrefix,
} from "@orderhook/testing";
import type { Redis } from "ioredis";
import { afterEach } from "vitest";

export interface ScenarioOptions {
  /** The suite's own redis-server (default: no AOF; pass `appendfsync` for durability tests). */
  redis?: RedisServerOptions;
  users?: number;
  fixture?: FixtureOptions;
  /**
   * A migrated database of its own instead of the run's: Postgres faults aimed at the
   * worker's `application_name` then hit only this scenario's worker.
   */
  ownDatabase?: boolean;
}

type StartOptions = Pick<AppOptions, "preload" | "readyTimeoutMs"> & {
  env?: Record<string, string>;
  /** REDIS_URL / DATABASE_URL as the app sees them (e.g. through a fault proxy). */
  redisUrl?: string;
  databaseUrl?: string;
};

/**
 * One fault scenario's world: its own redis-server, the run's database, users with
 * webhooks, the apps it starts, and the accounting check at the end. `close()` kills
 * everything it started, also after a failed assertion.
 */
/** Scenarios created and not yet closed, for `closeScenariosAfterEach`. */
const open = new Set<Scenario>();

/**
 * Closes, after each test of the file, every scenario the test created — with the apps and
 * fault proxies it started — also after a failed assertion.
 */
export function closeScenariosAfterEach(): void {
  afterEach(async () => {
    for (const scenario of [...open]) await scenario.close();
  });
}

export class Scenario {
  readonly apps: AppProcess[] = [];
  private readonly proxies: FaultProxy[] = [];
  /** Queues and connections the test asked for, closed (newest first) after the apps are killed. */
  private readonly closables: { close(): Promise<unknown> }[] = [];
  private redisClient: Redis | undefined;
  private constructor(
    readonly tag: string,
    readonly redis: RedisServer,
    readonly db: DbClient,
    readonly fixtures: Fixture[],
    readonly prefix: string,
    readonly databaseUrl: string,
    private readonly scratch: ScratchDatabase | null,
  ) {}

  static async create(label: string, options: ScenarioOptions = {}): Promise<Scenario> {
    const scratch = options.ownDatabase ? scratchDatabase(label) : null;
    if (scratch !== null) {
      await runMigrations({
        url: scratch.url,
        migrationsFolder: findMigrationsFolder(import.meta.dirname),
        createDatabase: true,
      });
    }
    const databaseUrl = scratch?.url ?? testDatabaseUrl();
    const redis = await RedisServer.start({ appendonly: false, ...options.redis });
    const db = createDbClient({ url: databaseUrl, max: 2, applicationName: "orderhook-fault-suite" });
    const fixtures: Fixture[] = [];
    for (let i = 0; i < (options.users ?? 1); i++) fixtures.push(await createFixture(db.db, options.fixture));
    const scenario = new Scenario(
      uniquePrefix(label),
      redis,
      db,
      fixtures,
      uniquePrefix(label),
      databaseUrl,
      scratch,
    );
    open.add(scenario);
    return scenario;
  }

  /** A TCP fault proxy, closed with the scenario (after its apps). */
  async faultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
    const proxy = await FaultProxy.start(options);
    this.proxies.push(proxy);
    return proxy;
  }

  /**
   * A user with a webhook created while the receivers run, announced as the CLI announces it;
   * resolves once every running receiver accepts its token. Not one of `fixtures`.
   */
  async addFixture(options?: FixtureOptions): Promise<Fixture> {
    const fixture = await createFixture(this.db.db, options);
    await broadcastWebhookChange(this.redis.url, this.prefix, {
      type: "created",
      webhookId: fixture.webhookId,
      userId: fixture.userId,
      tokenHash: null,
    });
    await this.untilTokenKnown(fixture.token);
    return fixture;
  }

  /**
   * `pnpm orderhook <args>` against the scenario's database and Redis, as an operator runs it
   * next to the running apps: its changes reach them through the same events.
   */
  orderhook(args: string[]): Promise<OrderhookRun> {
    return runOrderhook(args, {
      DATABASE_URL: this.databaseUrl,
      REDIS_URL: this.redis.url,
      QUEUE_PREFIX: this.prefix,
    });
  }

  /** Resolves once every running receiver accepts `token` (after a create or rotate event). */
  async untilTokenKnown(token: string): Promise<void> {
    for (const app of this.apps.filter((a) => a.name === "receiver" && a.running)) {
      // A read of an order that does not exist: 401 while the token is unknown, 404 once it is known.
      await app.waitFor(
        async () => {
          const res = await fetch(`${app.origin}/v1/orders/00000000-0000-7000-8000-000000000000`, {
            headers: { authorization: `Bearer ${token}` },
          });
          await res.arrayBuffer();
          return res.status === 404;
        },
        10_000,
        "the webhook's token known",
      );
    }
  }

  get userIds(): string[] {
    return this.fixtures.map((f) => f.userId);
  }

  get tokens(): string[] {
    return this.fixtures.map((f) => f.token);
  }

  env(options: StartOptions = {}): Record<string, string> {
    return {
      DATABASE_URL: options.databaseUrl ?? this.databaseUrl,
      REDIS_URL: options.redisUrl ?? this.redis.url,
      QUEUE_PREFIX: this.prefix,
      DB_POOL_MAX: "3",
      ...options.env,
    };
  }

  /** The receiver, with limits no scenario reaches unless it sets them: scenarios measure faults, not throttling. */
  startReceiver(options: StartOptions = {}): Promise<AppProcess> {
    return this.startApp(
      "receiver",
      {
        RATE_LIMIT_PER_SECOND: "100000",
        REFUSAL_LIMIT_PER_SECOND: "100000",
        REFUSAL_BURST: "100000",
        AUTH_FAILURE_LIMIT_PER_SECOND: "100000",
        AUTH_FAILURE_BURST: "100000",
      },
      options,
    );
  }

  startWorker(options: StartOptions = {}): Promise<AppProcess> {
    return this.startApp("worker", { WORKER_CONCURRENCY: "50" }, options);
  }

  private async startApp(
    app: AppName,
    defaults: Record<string, string>,
    options: StartOptions,
  ): Promise<AppProcess> {
    const started = await AppProcess.start({
      app,
      preload: options.preload,
      readyTimeoutMs: options.readyTimeoutMs,
      env: { ...defaults, ...this.env(options) },
    });
    this.apps.push(started);
    return started;
  }

  /**
   * Puts `count` order jobs for the first user's webhook straight on the scenario's queue, as
   * the receiver would; `rows()` counts the ones the worker has written.
   */
  async enqueueOrders(
    count: number,
    opts: ReturnType<typeof orderJobOptions> = orderJobOptions(),
  ): Promise<{ queue: OrderQueue; ids: string[]; rows(): Promise<number> }> {
    const queue = createOrderQueue(this.queueRedis(), this.prefix);
    this.closables.push(queue);
    const jobs = Array.from({ length: count }, () => buildOrderJob(this.fixtures[0]!));
    for (let i = 0; i < jobs.length; i += 1_000) {
      await queue.addBulk(
        jobs.slice(i, i + 1_000).map((data) => ({
          name: ORDER_JOB_NAME,
          data,
          opts: { ...opts, jobId: data.orderId },
        })),
      );
    }
    const ids = jobs.map((job) => job.orderId);
    const rows = async () => {
      const [row] = await this.db.sql<{ n: number }[]>`
        select count(*)::int as n from orders where id = any(${ids}::uuid[])`;
      return row?.n ?? 0;
    };
    return { queue, ids, rows };
  }

  /** A connection to the scenario's Redis for BullMQ, closed with the scenario. */
  private queueRedis(): Redis {
    if (this.redisClient === undefined) {
      this.redisClient = createRedis(this.redis.url, { maxRetriesPerRequest: null });
      this.closables.push({ close: async () => this.redisClient?.disconnect() });
    }
    return this.redisClient;
  }

  /** Starts traffic to the scenario's webhooks (50 alerts/s, one attempt each, unless told otherwise). */
  traffic(options: Partial<AlertTrafficOptions> & Pick<AlertTrafficOptions, "origin">): AlertTraffic {
    return AlertTraffic.start({ tokens: this.tokens, ratePerSecond: 50, tag: this.tag, ...options });
  }

  /**
   * Waits (bounded) for a row per acked alert, then audits the users' orders against the
   * alerts of every traffic run that was sent to them.
   */
  async account(traffic: AlertTraffic | AlertTraffic[], timeoutMs = 60_000): Promise<OrderAudit> {
    const alerts = [traffic].flat().flatMap((run) => run.alerts);
    const acked = alerts.filter((alert) => alert.attempts.some((a) => a.orderId !== null)).length;
    await this.waitForRows(acked, timeoutMs);
    // Late duplicates would show up after the count is reached: give stragglers a moment.
    await new Promise((resolve) => setTimeout(resolve, 500));
    return auditOrders(this.db.sql, alerts, this.userIds);
  }

  /**
   * Polls until the users own at least `expected` rows that are not `failed`, or the deadline
   * passes; the audit then says what is missing.
   */
  private async waitForRows(expected: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const [row] = await this.db.sql<{ n: number }[]>`
        select count(*)::int as n from orders
        where user_id = any(${this.userIds}::uuid[]) and status <> 'failed'`;
      if ((row?.n ?? 0) >= expected || Date.now() > deadline) return;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  async close(): Promise<void> {
    open.delete(this);
    await Promise.allSettled(this.apps.map((app) => app.kill()));
    for (const closable of this.closables.splice(0).reverse()) await closable.close().catch(() => {});
    await this.redis.cleanup();
    await this.db.close();
    await this.scratch?.drop();
    for (const proxy of this.proxies.splice(0)) await proxy.close();
  }
}
