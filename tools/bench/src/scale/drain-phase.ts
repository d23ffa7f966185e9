import { createOrderQueue } from "@orderhook/queue";
import { type AppProcess, PgBouncer } from "@orderhook/testing";
import { waitForOrders } from "../measure/order-rows";
import { postgresTransactions } from "../measure/postgres-transactions";
import { prefillQueue } from "../measure/worker-drain";
import { seedWebhooks } from "../setup/seed-webhooks";
import { cpuUsPer, openCpuWindow } from "../targets/cpu-window";
import { type OrderhookEnv, startWorker } from "../targets/orderhook-apps";
import type { CpuProcesses } from "../targets/process-cpu";
import type { ScaleContext } from "./scale-context";
import type { DrainPhaseResult } from "./scale-results";

export interface DrainPhaseSpec {
  name: string;
  workers: number;
  pgbouncer?: boolean;
  /** More worker settings (e.g. Redis Cluster and QUEUE_SHARDS for a shards phase). */
  env?: Record<string, string>;
}

/**
 * `workers` worker processes drain a queue pre-filled with valid jobs. The queue is paused
 * while they start, so all begin together and their start-up is outside the CPU window.
 */
export async function drainPhase(ctx: ScaleContext, spec: DrainPhaseSpec): Promise<DrainPhaseResult> {
  const seeded = await seedWebhooks(ctx.db, { users: 4, rateLimitPerSecond: 1_000_000 });
  const userIds = seeded.map((s) => s.userId);
  const prefix = `${ctx.options.queuePrefix}-${spec.name}`;
  const queue = createOrderQueue(ctx.redis, prefix);
  const bouncer = spec.pgbouncer
    ? await PgBouncer.start({ target: ctx.databaseUrl, poolMode: "transaction" })
    : null;
  try {
    await queue.pause();
    await prefillQueue(ctx.redis, prefix, seeded, ctx.drainJobs, `${spec.name}-${ctx.options.runId}`);
    const databaseUrl = bouncer ? bouncer.url(new URL(ctx.databaseUrl).pathname.slice(1)) : ctx.databaseUrl;
    ctx.log(
      `${spec.name}: ${spec.workers} worker(s)${bouncer ? " through PgBouncer" : ""}, ${ctx.drainJobs} jobs`,
    );
    return await measureDrain(ctx, {
      name: spec.name,
      workers: spec.workers,
      pgbouncer: bouncer !== null,
      jobs: ctx.drainJobs,
      userIds,
      env: { databaseUrl, redisUrl: ctx.redisUrl, queuePrefix: prefix },
      extraEnv: { ...(bouncer ? { DATABASE_POOL_MODE: "transaction" } : {}), ...spec.env },
      processes: { ...ctx.services, ...(bouncer ? { pgbouncer: bouncer.pid } : {}) },
      resume: () => queue.resume(),
    });
  } finally {
    await queue.close();
    await bouncer?.stop();
  }
}

export interface DrainRun {
  name: string;
  workers: number;
  pgbouncer: boolean;
  /** Jobs waiting in the paused queue(s): the rows the drain waits for. */
  jobs: number;
  userIds: string[];
  env: OrderhookEnv;
  extraEnv: Record<string, string>;
  /** The processes besides the workers whose CPU is counted. */
  processes: CpuProcesses;
  /** Releases the paused, pre-filled queue(s). */
  resume: () => Promise<void>;
}

/**
 * Starts `workers` worker processes on paused queues, so all begin together and their start-up
 * is outside the CPU window, then measures the drain from `resume` to the last row.
 */
export async function measureDrain(ctx: ScaleContext, run: DrainRun): Promise<DrainPhaseResult> {
  const transactions = postgresTransactions(ctx.databaseUrl);
  const workers: AppProcess[] = [];
  try {
    workers.push(
      ...(await Promise.all(
        Array.from({ length: run.workers }, () => startWorker(run.env, [], run.extraEnv)),
      )),
    );
    const processes: CpuProcesses = {
      worker: () => workers.flatMap((w) => (w.pid === undefined ? [] : [w.pid])),
      ...run.processes,
    };
    const commitsBefore = await transactions.count();
    await ctx.postgres.refresh();
    const cpu = openCpuWindow(processes);
    await run.resume();
    const rows = await waitForOrders(ctx.sql, run.userIds, run.jobs, {
      timeoutMs: 180_000,
      stallMs: 15_000,
    });
    await ctx.postgres.refresh();
    const spent = cpu.read();
    // Backends report their transactions when idle, at most once a second.
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    const commits = (await transactions.count()) - commitsBefore;
    return {
      kind: "drain",
      name: run.name,
      workers: run.workers,
      pgbouncer: run.pgbouncer,
      jobs: run.jobs,
      rows,
      ordersPerSecond: await trimmedRate(ctx, run.userIds),
      ordersPerCommit: commits > 0 ? Math.round((rows / commits) * 10) / 10 : null,
      cpuUsPerOrder: cpuUsPer(spent, rows),
    };
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
    await transactions.close();
  }
}

/** Rows/s between the 10th and 90th percentile of the rows' write times. */
async function trimmedRate(ctx: ScaleContext, userIds: string[]): Promise<number> {
  const [row] = await ctx.sql<{ n: number; p10: string | null; p90: string | null }[]>`
    with t as (
      select extract(epoch from greatest(created_at, coalesce(processed_at, created_at))) as at
      from orders where user_id = any(${userIds}::uuid[]))
    select count(*)::int as n,
      percentile_cont(0.1) within group (order by at) as p10,
      percentile_cont(0.9) within group (order by at) as p90
    from t`;
  const seconds = Number(row?.p90 ?? 0) - Number(row?.p10 ?? 0);
  return seconds > 0 ? Math.round(((row?.n ?? 0) * 0.8) / seconds) : 0;
}
