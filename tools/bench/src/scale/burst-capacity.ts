import type { BurstRun } from "../burst-results";
import type { BurstSend } from "../load/load-spec";
import { type BurstGroup, openOrderhookBursts, seedBurstGroup } from "../phases/bench-burst";
import { processTree } from "../targets/process-tree";
import { untilChildren } from "./receiver-phase";
import type { ScaleContext } from "./scale-context";

/** TradingView cancels a webhook that has not answered within 3 s, and never retries. */
export const TRADINGVIEW_TIMEOUT_MS = 3_000;

/** One burst of the search: released like the burst phase's, its rows accounted for. */
export interface BurstTrial {
  alerts: number;
  /** Every alert answered 2xx within 3 s of the release, and every ack exactly one row. */
  fits: boolean;
  acked: number;
  /** Answers by status (and transport failures), as the generator counted them. */
  outcomes: Record<string, number>;
  over3s: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** From the release to the last row's commit; null when rows are missing. */
  lastRowMs: number | null;
  lost: number;
  duplicated: number;
  /** CPU µs per ack by process, from the release to the last answer; `receiver` is the supervisor and its children. */
  cpuUsPerAck: Record<string, number>;
}

/** The search at one WEB_CONCURRENCY: bursts grow until one misses, then bisect between the last fit and the first miss. */
export interface BurstCapacitySearch {
  webConcurrency: number;
  /** The largest burst fully acknowledged within 3 s; null when even the first missed. */
  largest: number | null;
  /** The smallest burst that missed; null when none did (the search stopped growing at its cap). */
  smallestMiss: number | null;
  /** The trial of `largest`: its p99 and CPU per ack are the block's. */
  best: BurstTrial | null;
  trials: BurstTrial[];
  /** Warm-up burst (unmeasured) lost or duplicated rows: 0 and 0 when all is well. */
  warmupLost: number;
  warmupDuplicated: number;
}

export interface BurstCapacityResults {
  connections: number;
  send: BurstSend;
  users: number;
  warmupAlerts: number;
  /** Search bounds: the first burst, how fine the bisection goes, the most trials per search. */
  start: number;
  resolution: number;
  maxTrials: number;
  searches: BurstCapacitySearch[];
}

export interface BurstCapacityPlan {
  webConcurrency: number[];
  start: number;
  resolution: number;
  maxTrials: number;
  /** The search stops growing here (and reports no miss). */
  cap: number;
  /** No new trial starts once a search has run this long. */
  budgetMs: number;
}

/** ~4 min on an idle 2-core machine for both searches; `--quick`: tiny bursts, three trials each. */
export function burstCapacityPlan(quick: boolean): BurstCapacityPlan {
  return quick
    ? { webConcurrency: [1, 2], start: 200, resolution: 100, maxTrials: 3, cap: 800, budgetMs: 60_000 }
    : {
        webConcurrency: [1, 2],
        start: 5_000,
        resolution: 1_000,
        maxTrials: 9,
        cap: 160_000,
        budgetMs: 110_000,
      };
}

/** The next burst size, or null when the search is done: doubling until a miss, then halving the gap. */
export function nextBurstSize(
  plan: Pick<BurstCapacityPlan, "resolution" | "cap">,
  largest: number | null,
  smallestMiss: number | null,
  last: number,
): number | null {
  if (smallestMiss === null) {
    const next = last * 2;
    return next > plan.cap ? null : next;
  }
  const low = largest ?? 0;
  if (smallestMiss - low <= plan.resolution) return null;
  const mid = Math.round((low + smallestMiss) / 2 / plan.resolution) * plan.resolution;
  return mid <= low || mid >= smallestMiss ? null : mid;
}

/**
 * Issue #16 item 4: for each WEB_CONCURRENCY, the largest bar-close burst that is acknowledged
 * in full within TradingView's 3 s, with the burst phase's release, accounting and CPU readings
 * (worker running, a warm-up burst first). Every trial's acks are checked against their rows.
 */
export async function burstCapacity(
  ctx: ScaleContext,
  plan = burstCapacityPlan(ctx.options.quick),
): Promise<BurstCapacityResults> {
  const { options } = ctx;
  const searches: BurstCapacitySearch[] = [];
  for (const webConcurrency of plan.webConcurrency) searches.push(await search(ctx, plan, webConcurrency));
  return {
    connections: options.burstConnections,
    send: options.burstSend,
    users: options.burstUsers,
    warmupAlerts: options.burstWarmup,
    start: plan.start,
    resolution: plan.resolution,
    maxTrials: plan.maxTrials,
    searches,
  };
}

async function search(
  ctx: ScaleContext,
  plan: BurstCapacityPlan,
  webConcurrency: number,
): Promise<BurstCapacitySearch> {
  const name = `burst-capacity-${webConcurrency}`;
  const { burstUsers, burstWarmup } = ctx.options;
  // Seeded before the receiver starts, which loads the active tokens then: a group of users of
  // its own per trial (its rows accounted for alone), each allowed its share of the largest size.
  const warmupGroup = await seedBurstGroup(ctx, burstWarmup);
  const pool: BurstGroup[] = [];
  for (let i = 0; i < plan.maxTrials; i++) {
    pool.push(await seedBurstGroup(ctx, plan.cap, Math.ceil(plan.cap / burstUsers)));
  }
  ctx.log(`${name}: receiver with WEB_CONCURRENCY=${webConcurrency} and a worker`);
  const session = await openOrderhookBursts(ctx, {
    env: {
      databaseUrl: ctx.databaseUrl,
      redisUrl: ctx.redisUrl,
      queuePrefix: `${ctx.options.queuePrefix}-${name}`,
    },
    extraEnv: { WEB_CONCURRENCY: String(webConcurrency) },
    profile: false,
    async receiverProcesses(receiver) {
      await untilChildren(receiver, webConcurrency);
      return processTree(receiver.pid);
    },
    beforeRelease: () => ctx.postgres.refresh(),
  });
  try {
    const startedAt = Date.now();
    const warmup = await session.burst(warmupGroup, `c${webConcurrency}w`, true);
    const trials: BurstTrial[] = [];
    let largest: number | null = null;
    let smallestMiss: number | null = null;
    let best: BurstTrial | null = null;
    let size: number | null = plan.start;
    while (size !== null && trials.length < plan.maxTrials && Date.now() - startedAt < plan.budgetMs) {
      const group: BurstGroup = { ...pool[trials.length]!, alerts: size };
      const trial = toTrial(await session.burst(group, `c${webConcurrency}-${trials.length}`, false));
      trials.push(trial);
      ctx.log(
        `${name}: ${size} alerts ${trial.fits ? "fit" : "missed"} (${trial.over3s} over 3 s, p99 ${Math.round(trial.p99Ms)} ms, lost ${trial.lost}, duplicated ${trial.duplicated})`,
      );
      if (trial.fits) {
        largest = size;
        best = trial;
      } else {
        smallestMiss = smallestMiss === null ? size : Math.min(smallestMiss, size);
      }
      size = nextBurstSize(plan, largest, smallestMiss, size);
    }
    return {
      webConcurrency,
      largest,
      smallestMiss,
      best,
      trials,
      warmupLost: warmup.accounting?.lost ?? 0,
      warmupDuplicated: warmup.accounting?.duplicated ?? 0,
    };
  } finally {
    await session.stop();
  }
}

function toTrial(run: BurstRun): BurstTrial {
  const lost = run.accounting?.lost ?? run.acked;
  const duplicated = run.accounting?.duplicated ?? 0;
  return {
    alerts: run.alerts,
    fits:
      run.acked === run.alerts &&
      run.over3s === 0 &&
      run.unfinished === 0 &&
      lost === 0 &&
      duplicated === 0 &&
      run.lastRowMs !== null,
    acked: run.acked,
    outcomes: run.outcomes,
    over3s: run.over3s,
    p50Ms: round(run.latency.p50),
    p99Ms: round(run.latency.p99),
    maxMs: round(run.latency.max),
    lastRowMs: run.lastRowMs === null ? null : Math.round(run.lastRowMs),
    lost,
    duplicated,
    cpuUsPerAck: run.cpuUsPerAck.untilLastAck,
  };
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
