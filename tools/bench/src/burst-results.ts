import type { BurstLoadResult, BurstSend } from "./load/load-spec";
import type { Accounting } from "./measure/accounting";
import type { CommandStat } from "./measure/redis-command-stats";

/** One target's answer to one burst: everything the generator measured but the individual acks. */
export type BurstRun = Omit<BurstLoadResult, "acks" | "kind" | "send"> & {
  /** 2xx answers: what the CPU figures are divided by. */
  acked: number;
  /** orderhook: from the release to the commit of the last acknowledged order's row (NOTIFY at commit); null for the floor, or when rows are missing. */
  lastRowMs: number | null;
  /**
   * CPU time per ack by process, in µs, from the release to the last answer (`untilLastAck`) and,
   * for orderhook, to the last row committed (`untilLastRow`: the worker's writes included).
   */
  cpuUsPerAck: { untilLastAck: Record<string, number>; untilLastRow: Record<string, number> | null };
  /** orderhook: every acknowledged orderId of this burst has exactly one row. */
  accounting: Accounting | null;
  /** orderhook: `INFO commandstats` deltas of the Redis server over the same two windows. */
  redisCommands: { untilLastAck: CommandStat[]; untilLastRow: CommandStat[] } | null;
};

/** The burst phase: bars closing, each burst released at one instant at the floor and at orderhook alike. */
export interface BurstResults {
  connections: number;
  /** How the generator wrote each connection's share (see BurstSpec). */
  send: BurstSend;
  users: number;
  /** Alerts of the unmeasured burst each server got first (its JIT and connections warm). */
  warmupAlerts: number;
  /** Whether orderhook's worker ran during the release (`live`) or was started after the last ack (`after`). */
  worker: "live" | "after";
  /** Each user's rate limit: `burst` alerts at once (the burst's share), refilling at `ratePerSecond`. */
  rateLimit: { ratePerSecond: number; burstPerUser: Record<string, number> };
  /** orderhook's warm-up burst, accounted like the others (its figures are not reported). */
  warmupAccounting: Accounting | null;
  bursts: { alerts: number; floor: BurstRun | null; orderhook: BurstRun | null }[];
}
