import { registerProcessMetrics } from "@orderhook/observability";
import { Counter, Gauge, Histogram, Registry } from "prom-client";

export interface WorkerMetrics {
  registry: Registry;
  jobDuration: Histogram<"outcome">;
  jobs: Counter<"outcome" | "code">;
  batchSize: Histogram;
  batchDuration: Histogram;
  burstPauseSeconds: Counter;
  queueJobs: Gauge<"state" | "shard">;
  dbPoolMax: Gauge;
  dbBusy: Gauge;
}

export interface WorkerMetricsOptions {
  /** Each consumed shard's job counts by state, sampled when Prometheus scrapes, never per job. */
  queueCounts?: () => Promise<{ shard: number; counts: Record<string, number> }[]>;
  /** Queries in flight right now and the pool's size. */
  dbPool?: { max: number; busy: () => number };
}

/** The worker's Prometheus metrics; default process metrics (event-loop lag, memory, GC) included. */
export function createWorkerMetrics(options: WorkerMetricsOptions = {}): WorkerMetrics {
  const registry = new Registry();
  registerProcessMetrics(registry, { eventLoopMonitoringPrecision: 10 });
  const { queueCounts, dbPool } = options;
  return {
    registry,
    jobDuration: new Histogram({
      name: "orderhook_worker_job_duration_seconds",
      help: "Time from a job's start on this worker to its outcome, by outcome",
      labelNames: ["outcome"],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
      registers: [registry],
    }),
    jobs: new Counter({
      name: "orderhook_worker_jobs_total",
      help: "Job outcomes: accepted, rejected, duplicate, retry, failed; code is the reason's code",
      labelNames: ["outcome", "code"],
      registers: [registry],
    }),
    batchSize: new Histogram({
      name: "orderhook_worker_batch_size",
      help: "Orders per INSERT round trip",
      buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000],
      registers: [registry],
    }),
    batchDuration: new Histogram({
      name: "orderhook_worker_batch_duration_seconds",
      help: "Duration of one batch INSERT round trip",
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    }),
    burstPauseSeconds: new Counter({
      name: "orderhook_worker_burst_pause_seconds_total",
      help: "Time the consumer took no jobs while they arrived in a burst (BURST_YIELD_RATE), once per consumer",
      registers: [registry],
    }),
    queueJobs: new Gauge({
      name: "orderhook_queue_jobs",
      help: "Jobs in the order queue by state and queue shard, sampled at scrape time",
      labelNames: ["state", "shard"],
      registers: [registry],
      async collect() {
        if (queueCounts === undefined) return;
        for (const { shard, counts } of await queueCounts()) {
          for (const [state, count] of Object.entries(counts))
            this.set({ state, shard: String(shard) }, count);
        }
      },
    }),
    dbPoolMax: new Gauge({
      name: "orderhook_db_pool_max_connections",
      help: "Size of this process's Postgres pool (DB_POOL_MAX)",
      registers: [registry],
      collect() {
        if (dbPool !== undefined) this.set(dbPool.max);
      },
    }),
    dbBusy: new Gauge({
      name: "orderhook_db_queries_in_flight",
      help: "Postgres queries this process is waiting on; above the pool size they queue",
      registers: [registry],
      collect() {
        if (dbPool !== undefined) this.set(dbPool.busy());
      },
    }),
  };
}
