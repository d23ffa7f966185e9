import type { BurstResults } from "./burst-results";
import type { LatencySummary } from "./load/latency-recorder";
import type { LoadResult } from "./load/load-spec";
import type { Accounting } from "./measure/accounting";
import type { DrainRate } from "./measure/worker-drain";
import type { MachineInfo } from "./report/machine-info";

/** A load phase as reported: everything but the individual acks. */
export type PhaseResult = Omit<LoadResult, "acks"> & {
  /** Whether the orderhook worker was consuming during the phase ("external": a running deployment; null: not applicable). */
  worker: "paused" | "draining" | "external" | null;
};

export function phaseResult(result: LoadResult, worker: PhaseResult["worker"]): PhaseResult {
  const { acks: _acks, ...rest } = result;
  return { ...rest, worker };
}

export interface TargetResults {
  open: PhaseResult[];
  closed: PhaseResult | null;
}

export interface OrderhookResults extends TargetResults {
  /** Open loop at TARGET_RATE with the worker consuming on the same machine. */
  openWithWorker: PhaseResult | null;
  /** Ack → row written, for the acks of `openWithWorker` (or, against a running deployment, of the TARGET_RATE phase). */
  endToEnd: LatencySummary | null;
  /** Over every alert orderhook acknowledged in the run. */
  accounting: Accounting;
}

export type DrainResult = DrainRate & {
  jobs: number;
  /** The worker process's CPU time per order written, in µs: 1,000,000 / it is what one core could drain. */
  workerCpuUsPerOrder: number | null;
  /** CPU time per order of the worker and of local Redis and Postgres (all their processes), in µs. */
  cpuUsPerOrder?: Record<string, number>;
};

export interface BaselineResults extends TargetResults {
  accounting: Accounting;
}

/** The flood phase: a real sender with and without a flood of random tokens beside it. */
export interface FloodResults {
  realRate: number;
  floodRate: number;
  durationMs: number;
  /** The real sender alone. */
  quiet: PhaseResult;
  /** The real sender during the flood. */
  flooded: PhaseResult;
  /** The flood's own answers (401, or 429 once its address is over its limit). */
  flood: PhaseResult;
  /** flooded p99 / quiet p99 (goal ≤ 2). */
  p99Ratio: number | null;
  /** pg_stat_database transactions of the bench's database during each phase. */
  postgres: {
    quietTransactions: number;
    floodedTransactions: number;
    floodRequests: number;
    /** (flooded − quiet) / flood requests (goal < 0.01). */
    perFloodRequest: number | null;
  };
  /** The receiver's CPU time per request answered (µs): the sender's alone, then mostly the flood's. */
  receiverCpuUsPerRequest: { quiet: number | null; flooded: number | null };
}

export interface TargetCheck {
  name: string;
  target: string;
  measured: string;
  met: boolean | null;
}

export interface BenchResults {
  startedAt: string;
  finishedAt: string;
  command: string;
  quick: boolean;
  machine: MachineInfo;
  settings: Record<string, unknown>;
  floor: TargetResults | null;
  orderhook: OrderhookResults | null;
  baseline: BaselineResults | null;
  /** One worker process emptying a pre-filled queue. */
  drain: DrainResult | null;
  /** Absent in results from before the flood phase existed. */
  flood?: FloodResults | null;
  /** Bar-close bursts, orderhook beside the floor; absent in results from before the burst phase existed. */
  burst?: BurstResults | null;
  ratios: {
    /** orderhook closed-loop peak / floor closed-loop peak. */
    receiverVsFloor: number | null;
    /** orderhook closed-loop peak / baseline closed-loop peak. */
    orderhookVsBaseline: number | null;
    /** Bare Hono's CPU per answer / the receiver's CPU per ack (closed loop): what the peak ratio
     * would be with a core each, and less sensitive than the peaks to other load on the machine. */
    receiverVsFloorByCpu: number | null;
  };
  targets: TargetCheck[];
}
