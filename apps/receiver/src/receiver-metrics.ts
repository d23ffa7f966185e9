import {
  BoundCounter,
  BoundHistogram,
  type CounterSeries,
  type HistogramSeries,
  registerProcessMetrics,
} from "@orderhook/observability";
import type { OrderQueue } from "@orderhook/queue";
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { RequestRecord } from "./app";

// Sub-millisecond resolution where the ack targets live (p50 ≤ 1 ms, p99 ≤ 3 ms).
const LATENCY_BUCKETS = [0.0005, 0.001, 0.002, 0.003, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 2.5];
const QUEUE_STATES = ["waiting", "active", "delayed", "prioritized", "completed", "failed"] as const;

export interface ReceiverMetrics {
  registry: Registry;
  recordRequest(record: RequestRecord): void;
  recordEnqueue(durationMs: number): void;
  /** A deliveries log entry (a refusal's or replay's, written after the answer) failed to write. */
  recordDeliveryLogError(): void;
  /** Runs a Postgres query counted in the in-flight gauge (pool use) and the duration histogram. */
  trackQuery<T>(query: string, run: () => Promise<T>): Promise<T>;
  /** Starts sampling the depth of every shard's queue (label `shard`); returns the stop function. */
  sampleQueues(queues: readonly OrderQueue[], intervalMs: number): () => void;
}

/**
 * Prometheus metrics for one receiver process. Per request it costs one histogram
 * observation and one counter increment on label series bound once per route and outcome
 * (`BoundHistogram`, `BoundCounter`: prom-client's own observe hashes the labels on every
 * call); queue depth is sampled on a timer, never per request.
 */
export function createReceiverMetrics(
  options: { credentialCacheSize?: () => number; activeTokens?: () => number } = {},
): ReceiverMetrics {
  const registry = new Registry();
  registerProcessMetrics(registry);

  const ack = new BoundHistogram({
    name: "orderhook_receiver_ack_seconds",
    help: "Time from request start to response, by the request's outcome (accepted, replayed, found or an error code).",
    labelNames: ["outcome", "route"] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const outcomes = new BoundCounter({
    name: "orderhook_receiver_requests_total",
    help: "Requests by outcome: accepted, replayed (duplicate), rate_limited, invalid_order, …",
    labelNames: ["outcome", "route"] as const,
    registers: [registry],
  });
  const enqueue = new BoundHistogram({
    name: "orderhook_receiver_enqueue_seconds",
    help: "Duration of the BullMQ add that makes an alert durable before its ack.",
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const depth = new Gauge({
    name: "orderhook_queue_jobs",
    help: "Jobs in the order queue by state and queue shard (sampled).",
    labelNames: ["state", "shard"] as const,
    // Every receiver process samples the same queues: across processes, the largest sample.
    aggregator: "max",
    registers: [registry],
  });
  scrapedGauge(
    registry,
    "orderhook_receiver_credential_cache_entries",
    "Token hashes held in the in-process credential cache.",
    options.credentialCacheSize,
  );
  scrapedGauge(
    registry,
    "orderhook_receiver_active_tokens",
    "Token hashes of active webhooks held in memory; any other token is refused without a query.",
    options.activeTokens,
    // Each process holds the same set.
    "max",
  );

  const queriesInFlight = new Gauge({
    name: "orderhook_receiver_db_queries_in_flight",
    help: "Postgres queries running now (credential loads, order reads), against DB_POOL_MAX connections.",
    registers: [registry],
  });
  const queryDuration = new Histogram({
    name: "orderhook_receiver_db_query_seconds",
    help: "Duration of the receiver's Postgres queries (cache misses and refreshes only).",
    labelNames: ["query"] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });

  const deliveryLogErrors = new Counter({
    name: "orderhook_receiver_delivery_log_errors_total",
    help: "Deliveries log entries of refused or repeated requests that could not be written to Redis (their answers were unaffected).",
    registers: [registry],
  });

  const enqueued = enqueue.bind({});
  // By route, then outcome: two lookups of strings already hashed, no key built per request.
  const children = new Map<string, Map<string, { ack: HistogramSeries; count: CounterSeries }>>();

  return {
    registry,
    recordRequest({ outcome, route, durationMs }) {
      let byOutcome = children.get(route);
      if (byOutcome === undefined) {
        byOutcome = new Map();
        children.set(route, byOutcome);
      }
      let child = byOutcome.get(outcome);
      if (child === undefined) {
        child = { ack: ack.bind({ outcome, route }), count: outcomes.bind({ outcome, route }) };
        byOutcome.set(outcome, child);
      }
      child.ack.observe(durationMs / 1000);
      child.count.inc();
    },
    async trackQuery(query, run) {
      queriesInFlight.inc();
      const end = queryDuration.startTimer({ query });
      try {
        return await run();
      } finally {
        end();
        queriesInFlight.dec();
      }
    },
    recordEnqueue(durationMs) {
      enqueued.observe(durationMs / 1000);
    },
    recordDeliveryLogError() {
      deliveryLogErrors.inc();
    },
    sampleQueues(queues, intervalMs) {
      const sample = () => {
        queues.forEach((queue, shard) => {
          queue
            .getJobCounts(...QUEUE_STATES)
            .then((counts) => {
              for (const state of QUEUE_STATES) depth.labels(state, String(shard)).set(counts[state] ?? 0);
            })
            .catch(() => {});
        });
      };
      sample();
      const timer = setInterval(sample, intervalMs);
      timer.unref();
      return () => clearInterval(timer);
    },
  };
}

/** A gauge read at scrape time, when there is something to read. */
function scrapedGauge(
  registry: Registry,
  name: string,
  help: string,
  read: (() => number) | undefined,
  aggregator: "sum" | "max" = "sum",
): void {
  if (read === undefined) return;
  new Gauge({
    name,
    help,
    aggregator,
    registers: [registry],
    collect() {
      this.set(read());
    },
  });
}
