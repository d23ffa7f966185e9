import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { AppProcess, Fixture } from "@orderhook/testing";
import type { BurstResults, BurstRun } from "../burst-results";
import type { BurstLoadResult, LoadTarget } from "../load/load-spec";
import { type Accounting, accountFor } from "../measure/accounting";
import {
  type CommitListener,
  installCommitNotify,
  listenForCommits,
  removeCommitNotify,
} from "../measure/commit-listener";
import { loadOrderRows } from "../measure/order-rows";
import { type CommandCounters, commandStatsDelta, readCommandStats } from "../measure/redis-command-stats";
import { waitForCommits } from "../measure/wait-for-commits";
import { seedWebhooks, webhookPaths } from "../setup/seed-webhooks";
import { type CpuWindow, cpuUsPer, openCpuWindow } from "../targets/cpu-window";
import { startFloor } from "../targets/floor-process";
import { type OrderhookEnv, orderhookEnv, startReceiver, startWorker } from "../targets/orderhook-apps";
import type { CpuProcesses } from "../targets/process-cpu";
import type { BenchContext } from "./bench-context";

/**
 * Each burst user's sustained rate. The burst allowance (`users.rate_limit_burst`: the user's
 * share of the burst) is what lets the whole burst in, so admission takes its production path.
 */
const BURST_RATE_PER_SECOND = 100;
/** Quiet time before each release: the previous burst's writes and the servers' background work are done. */
const SETTLE_MS = 1_000;
/** Answers later than this after the release count as unanswered. */
const ANSWER_TIMEOUT_MS = 60_000;

export interface BurstGroup {
  alerts: number;
  /** Alerts per user: each user's `rate_limit_burst`. */
  share: number;
  seeded: Fixture[];
}

/** The server a burst is released at: its name in the log, the processes whose CPU counts, whether Redis is read. */
interface Side {
  name: string;
  processes: CpuProcesses;
  readsRedis: boolean;
}

/** What one release measured before its rows: the result, and the readings open since the release. */
interface Released {
  result: BurstLoadResult;
  acked: number;
  cpu: CpuWindow;
  cpuAtLastAck: Record<string, number>;
  statsAtRelease: CommandCounters | null;
  statsAtLastAck: CommandCounters | null;
}

/**
 * Bar-close bursts (issue #16): for each size, that many alerts from `burstUsers` users' webhooks
 * released at one instant over `burstConnections` warm keep-alive connections, first at the bare-Hono
 * floor, then at orderhook with its worker running, from the same generator with the same
 * schedule and the same request bytes. Each server first gets an unmeasured warm-up burst.
 */
export async function benchBurst(ctx: BenchContext): Promise<BurstResults> {
  const { options } = ctx;
  const groups: BurstGroup[] = [];
  for (const alerts of [options.burstWarmup, ...options.burst])
    groups.push(await seedBurstGroup(ctx, alerts));
  const floor = await floorBursts(ctx, groups);
  const orderhook = await orderhookBursts(ctx, groups);
  return {
    connections: options.burstConnections,
    send: options.burstSend,
    users: options.burstUsers,
    warmupAlerts: options.burstWarmup,
    worker: options.burstWorkerAfter ? "after" : "live",
    rateLimit: {
      ratePerSecond: BURST_RATE_PER_SECOND,
      burstPerUser: Object.fromEntries(groups.slice(1).map((g) => [String(g.alerts), g.share])),
    },
    warmupAccounting: orderhook.warmupAccounting,
    bursts: options.burst.map((alerts, i) => ({
      alerts,
      floor: floor[i + 1] ?? null,
      orderhook: orderhook.runs[i + 1] ?? null,
    })),
  };
}

/**
 * A burst's own `burstUsers` users, each allowed its share of the burst at once (or `share`, when
 * the size is not known yet). Seed before the receiver starts: it loads the active tokens then.
 */
export async function seedBurstGroup(ctx: BenchContext, alerts: number, share?: number): Promise<BurstGroup> {
  share ??= Math.ceil(alerts / ctx.options.burstUsers);
  const seeded = await seedWebhooks(ctx.db, {
    users: ctx.options.burstUsers,
    rateLimitPerSecond: BURST_RATE_PER_SECOND,
    rateLimitBurst: share,
  });
  return { alerts, share, seeded };
}

async function floorBursts(ctx: BenchContext, groups: BurstGroup[]): Promise<BurstRun[]> {
  const { server, origin } = await startFloor(profileArgs(ctx, "floor"));
  try {
    const runs: BurstRun[] = [];
    const side: Side = { name: "floor", processes: { floor: server.pid }, readsRedis: false };
    for (const [i, group] of groups.entries()) {
      const released = await release(ctx, side, target(ctx, origin, group, `f${i}`), group, i === 0);
      runs.push(burstRun(released, { lastRowMs: null, untilLastRow: null, accounting: null, redis: null }));
    }
    return runs;
  } finally {
    await server.stop();
  }
}

async function orderhookBursts(
  ctx: BenchContext,
  groups: BurstGroup[],
): Promise<{ runs: BurstRun[]; warmupAccounting: Accounting | null }> {
  const { options } = ctx;
  // A queue of its own: jobs an earlier phase left queued (answers the generator never saw) are not this phase's work.
  const session = await openOrderhookBursts(ctx, {
    env: { ...orderhookEnv(ctx), queuePrefix: `${options.queuePrefix}-burst` },
    profile: true,
  });
  try {
    const runs: BurstRun[] = [];
    for (const [i, group] of groups.entries()) runs.push(await session.burst(group, `o${i}`, i === 0));
    return { runs, warmupAccounting: runs[0]?.accounting ?? null };
  } finally {
    await session.stop();
  }
}

/** A receiver (`extraEnv`: e.g. WEB_CONCURRENCY) and, unless --burst-worker-after, its worker, ready for bursts one after another. */
export interface OrderhookBursts {
  /** One release of `group` (seeded by `seedBurstGroup`), its rows awaited and accounted for. */
  burst(group: BurstGroup, tag: string, warmup: boolean): Promise<BurstRun>;
  stop(): Promise<void>;
}

export async function openOrderhookBursts(
  ctx: BenchContext,
  spec: {
    env: OrderhookEnv;
    extraEnv?: Record<string, string>;
    /** `--cpu-prof DIR` applies to these processes. */
    profile: boolean;
    /** Runs once the receiver answers (e.g. until its cluster children listen); returns its processes' pids, read at each CPU reading. */
    receiverProcesses?: (receiver: AppProcess) => Promise<() => number[]>;
    /** Runs before each release, e.g. to refresh which Postgres backends are counted. */
    beforeRelease?: () => Promise<void>;
  },
): Promise<OrderhookBursts> {
  const { options } = ctx;
  const { env } = spec;
  const args = (name: string) => (spec.profile ? profileArgs(ctx, name) : []);
  const receiver = await startReceiver(env, args("receiver"), spec.extraEnv);
  let worker: AppProcess | null = null;
  let commits: CommitListener | null = null;
  const stop = async () => {
    await commits?.stop();
    await removeCommitNotify(ctx.sql);
    await worker?.stop();
    await receiver.stop();
  };
  try {
    const receiverPids = spec.receiverProcesses ? await spec.receiverProcesses(receiver) : null;
    await installCommitNotify(ctx.sql);
    commits = await listenForCommits(ctx.sql);
    if (!options.burstWorkerAfter) worker = await startWorker(env, args("worker"));
    const side: Side = {
      name: "orderhook",
      // The worker looked up at each reading: with --burst-worker-after it starts during the window.
      processes: {
        receiver: receiverPids ?? receiver.pid,
        worker: () => (worker?.pid === undefined ? [] : [worker.pid]),
      },
      readsRedis: true,
    };
    const listener = commits;
    return {
      stop,
      async burst(group, tag, warmup) {
        await spec.beforeRelease?.();
        const announcedBefore = listener.committedAt.size;
        const released = await release(ctx, side, target(ctx, receiver.origin, group, tag), group, warmup);
        if (options.burstWorkerAfter) worker = await startWorker(env, args("worker"));
        const ackIds = released.result.acks.map((a) => a.orderId);
        const seen = await waitForCommits(listener, ackIds, announcedBefore, {
          timeoutMs: 120_000,
          stallMs: 15_000,
        });
        const spent = released.cpu.read();
        const statsAtLastRow = await readCommandStats(ctx.redis);
        if (options.burstWorkerAfter) {
          await worker?.stop();
          worker = null;
        }
        const rows = await loadOrderRows(
          ctx.sql,
          group.seeded.map((s) => s.userId),
        );
        const accounting = accountFor(released.result.acks, rows);
        const lastRowMs =
          seen.lastCommitAtMs === null ? null : round(seen.lastCommitAtMs - released.result.releasedAtMs);
        ctx.log(
          `burst: orderhook, rows of ${ackIds.length} acks ${lastRowMs === null ? `incomplete (${seen.missing} not announced)` : `committed ${Math.round(lastRowMs)} ms after the release`}`,
        );
        return burstRun(released, {
          lastRowMs,
          untilLastRow: cpuUsPer(spent, released.acked),
          accounting,
          redis: released.statsAtRelease && {
            untilLastAck: commandStatsDelta(
              released.statsAtRelease,
              released.statsAtLastAck ?? statsAtLastRow,
              released.acked,
            ),
            untilLastRow: commandStatsDelta(released.statsAtRelease, statsAtLastRow, released.acked),
          },
        });
      },
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * One release at `target`, after the settle pause: CPU and Redis readings are taken while the
 * generator's connections are warm and it waits, again the moment its last answer is in.
 */
async function release(
  ctx: BenchContext,
  side: Side,
  target: LoadTarget,
  group: BurstGroup,
  warmup: boolean,
): Promise<Released> {
  const { options } = ctx;
  await sleep(SETTLE_MS);
  const what = warmup ? `warm-up burst of ${group.alerts} alerts` : `${group.alerts} alerts`;
  ctx.log(
    `burst: ${side.name}, ${what} released at once over ${options.burstConnections} connections (${options.burstSend})`,
  );
  // Filled in by the hooks, which run while the generator waits (ready) and as its last answer lands.
  const readings: {
    cpu: CpuWindow;
    cpuAtLastAck: Record<string, number>;
    statsAtRelease: CommandCounters | null;
    statsAtLastAck: Promise<CommandCounters> | null;
  } = { cpu: openCpuWindow({}), cpuAtLastAck: {}, statsAtRelease: null, statsAtLastAck: null };
  const result = await ctx.generator.runBurst(
    {
      kind: "burst",
      target,
      alerts: group.alerts,
      connections: options.burstConnections,
      send: options.burstSend,
      drainTimeoutMs: ANSWER_TIMEOUT_MS,
    },
    {
      async ready() {
        if (side.readsRedis) readings.statsAtRelease = await readCommandStats(ctx.redis);
        // Last, so the window opens as close to the release as this process can make it.
        readings.cpu = openCpuWindow({ ...side.processes, ...ctx.services, generator: ctx.generator.pid });
      },
      answered() {
        readings.cpuAtLastAck = readings.cpu.read();
        if (side.readsRedis) readings.statsAtLastAck = readCommandStats(ctx.redis);
      },
    },
  );
  const acked = Object.entries(result.outcomes)
    .filter(([key]) => /^2\d\d$/.test(key))
    .reduce((n, [, count]) => n + count, 0);
  ctx.log(
    `burst: ${side.name}, last answer ${Math.round(result.latency.max)} ms after the release, ${result.over3s} over 3 s`,
  );
  return {
    result,
    acked,
    cpu: readings.cpu,
    cpuAtLastAck: readings.cpuAtLastAck,
    statsAtRelease: readings.statsAtRelease,
    statsAtLastAck: await readings.statsAtLastAck,
  };
}

function burstRun(
  released: Released,
  after: {
    lastRowMs: number | null;
    untilLastRow: Record<string, number> | null;
    accounting: Accounting | null;
    redis: BurstRun["redisCommands"];
  },
): BurstRun {
  const { acks: _acks, kind: _kind, send: _send, ...measured } = released.result;
  return {
    ...measured,
    acked: released.acked,
    lastRowMs: after.lastRowMs,
    cpuUsPerAck: {
      untilLastAck: cpuUsPer(released.cpuAtLastAck, released.acked),
      untilLastRow: after.untilLastRow,
    },
    accounting: after.accounting,
    redisCommands: after.redis,
  };
}

/** The group's webhooks, round-robin; tags of equal length at both targets, so the request bytes match. */
function target(ctx: BenchContext, origin: string, group: BurstGroup, tag: string): LoadTarget {
  return { origin, paths: webhookPaths(group.seeded), tag: `burst-${ctx.options.runId}-${tag}` };
}

/** `--cpu-prof DIR`: each burst process writes its profile into `DIR/burst-<name>/`. */
function profileArgs(ctx: BenchContext, name: string): string[] {
  const dir = ctx.options.cpuProfDir;
  return dir ? ["--cpu-prof", `--cpu-prof-dir=${join(dir, `burst-${name}`)}`] : [];
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
