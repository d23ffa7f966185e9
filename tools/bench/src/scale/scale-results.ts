import type { MachineInfo } from "../report/machine-info";
import type { BurstCapacityResults } from "./burst-capacity";

/** What one `--scale` phase measured; `skipped` says why a phase did not run. */
export interface DrainPhaseResult {
  kind: "drain";
  name: string;
  workers: number;
  /** Postgres reached through PgBouncer in transaction mode (DATABASE_POOL_MODE=transaction). */
  pgbouncer: boolean;
  jobs: number;
  rows: number;
  /** Orders/s between the 10th and the 90th percentile of row times (start-up and tail left out). */
  ordersPerSecond: number;
  /** Orders per Postgres transaction: the worker's batching. */
  ordersPerCommit: number | null;
  /** CPU µs per order by process; `worker` is all worker processes together. */
  cpuUsPerOrder: Record<string, number>;
}

export interface ReceiverPhaseResult {
  kind: "receiver";
  name: string;
  webConcurrency: number;
  /** Closed loop: acks/s at saturation with `connections` connections. */
  peakAcksPerSecond: number;
  connections: number;
  /** Open loop at `rate` req/s: ack latency in ms. */
  rate: number;
  p50Ms: number;
  p99Ms: number;
  /** CPU µs per answer by process over the closed loop; `receiver` is the supervisor and its children. */
  cpuUsPerAck: Record<string, number>;
  /** Redis memory per queued job (used_memory growth / acks), bytes. */
  redisBytesPerJob: number | null;
  /** Non-2xx answers by outcome, both loops. */
  refused: Record<string, number>;
}

export interface SkippedPhase {
  kind: "skipped";
  name: string;
  reason: string;
}

export type ScalePhaseResult = DrainPhaseResult | ReceiverPhaseResult | SkippedPhase;

export interface ScaleResults {
  startedAt: string;
  finishedAt: string;
  command: string;
  quick: boolean;
  /** `--note`: what else ran on the machine, for the report. */
  note: string | null;
  machine: MachineInfo;
  phases: ScalePhaseResult[];
  /** The largest burst acknowledged within 3 s per WEB_CONCURRENCY (issue #16); null when it failed to run. */
  burstCapacity?: BurstCapacityResults | null;
}
