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

/**
 * A bar-close burst: `alerts` requests released at one instant over `connections` keep-alive
 * connections that were opened and warmed (one GET /healthz each) before the release. Request i
 * goes on connection i mod `connections`, every request serialised before the release.
 */
export interface BurstSpec {
  kind: "burst";
  target: LoadTarget;
  alerts: number;
  connections: number;
  /** How long after the release answers may take; the rest count as unanswered. */
  drainTimeoutMs: number;
  /**
   * `pipelined` (default): each connection's share written at the release in one write.
   * `queued`: one request in flight per connection, the next written when its answer arrives.
   */
  send?: BurstSend;
}

export type BurstSend = "pipelined" | "queued";

export interface BurstLoadResult {
  kind: "burst";
  alerts: number;
  connections: number;
  send: BurstSend;
  /** Epoch ms (this machine's clock) of the release: the first write. */
  releasedAtMs: number;
  /** From the first write of the release to the end of the last: the generator's own noise floor. */
  releaseSpreadMs: number;
  /** Answer time of every request, from the release (unanswered ones at the time they were given up). */
  latency: LatencySummary;
  /** `percentMs[k]`: ms from the release by which k % of the burst had its answer (k = 0…100). */
  percentMs: number[];
  /** Requests without an answer within 3 s of the release (TradingView's cancel): answered later, or never. */
  over3s: number;
  /** Answers by `status` or `status code`, transport failures as `error …`. */
  outcomes: Record<string, number>;
  unfinished: number;
  acks: Ack[];
}
