import type { LatencySummary } from "./latency-recorder";

/** Where the load goes. Every body is an order alert whose `comment` is `${tag}-${n}`, so no two
 * alerts hash alike (no body-hash dedup) and every orders row traces back to one request. */
export interface LoadTarget {
  origin: string;
  /** Request paths, used round-robin (one per webhook token). */
  paths: string[];
  tag: string;
}

export interface OpenLoopSpec {
  kind: "open";
  target: LoadTarget;
  /** Arrivals per second, constant. */
  rate: number;
  warmupMs: number;
  durationMs: number;
  /** Upper bound on keep-alive connections; opened only as requests need them. */
  maxConnections: number;
  /** How long in-flight requests may take to finish after the last send. */
  drainTimeoutMs: number;
  /**
   * Send under real-time scheduling (default true): right for the generator that measures. Load
   * that is only there to disturb (the flood phase) runs at normal priority, or it would take the
   * cores from the server it disturbs.
   */
  realtime?: boolean;
}

export interface ClosedLoopSpec {
  kind: "closed";
  target: LoadTarget;
  connections: number;
  warmupMs: number;
  durationMs: number;
  drainTimeoutMs: number;
}

export type LoadSpec = OpenLoopSpec | ClosedLoopSpec;

/** One 2xx answer that carried an orderId, with the wall-clock time it arrived (epoch ms). */
export interface Ack {
  orderId: string;
  ackAtMs: number;
}

export interface LoadResult {
  kind: LoadSpec["kind"];
  /** Offered rate (open loop) or null (closed loop). */
  rate: number | null;
  connections: number;
  /** Requests in the measured window (warm-up excluded). */
  requests: number;
  /** Answers per second in the measured window. */
  throughput: number;
  /** Open loop: from the intended send time; closed loop: from the actual send. */
  latency: LatencySummary;
  /** Open loop only: how late the generator sent against its schedule (its own noise floor). */
  sendLag: LatencySummary | null;
  /** Answers by `status` or `status code` (problem+json), transport failures as `error …`; warm-up included. */
  outcomes: Record<string, number>;
  /** Requests still unanswered when the drain timeout expired. */
  unfinished: number;
  /** Every acknowledged order, warm-up included, for the accounting check. */
  acks: Ack[];
  /** CPU time per answer (warm-up included) by process, in µs; filled in by the orchestrator. */
  cpuUsPerAnswer?: Record<string, number>;
}
