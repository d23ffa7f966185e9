import type { BenchResults, TargetCheck } from "../bench-results";
import { TARGET_RATE } from "../phases/bench-context";

type Measured = Pick<BenchResults, "floor" | "orderhook" | "baseline" | "drain" | "flood">;

export function computeRatios(r: Measured): BenchResults["ratios"] {
  const peak = r.orderhook?.closed?.throughput ?? null;
  const ratio = (other: number | null | undefined) =>
    peak !== null && other ? Math.round((peak / other) * 100) / 100 : null;
  const floorCpu = r.floor?.closed?.cpuUsPerAnswer?.floor;
  const receiverCpu = r.orderhook?.closed?.cpuUsPerAnswer?.receiver;
  return {
    receiverVsFloor: ratio(r.floor?.closed?.throughput),
    orderhookVsBaseline: ratio(r.baseline?.closed?.throughput),
    receiverVsFloorByCpu: floorCpu && receiverCpu ? Math.round((floorCpu / receiverCpu) * 100) / 100 : null,
  };
}

/** SPEC's targets against this run's figures; `met: null` when the run did not measure it. */
export function checkTargets(r: Measured, ratios: BenchResults["ratios"]): TargetCheck[] {
  const pausedPhase = r.orderhook?.open.find((p) => p.rate === TARGET_RATE);
  const paused = pausedPhase?.latency;
  const worker = `worker ${pausedPhase?.worker ?? "paused"}`;
  const live = r.orderhook?.openWithWorker?.latency;
  const ms = (v: number | undefined) =>
    v === undefined ? "—" : `${v >= 100 ? Math.round(v) : v.toFixed(2)} ms`;
  const atMost = (v: number | undefined, limit: number) => (v === undefined ? null : v <= limit);
  const atLeast = (v: number | null | undefined, limit: number) =>
    v === null || v === undefined ? null : v >= limit;
  const accounting = r.orderhook?.accounting;
  const drain = r.drain?.ordersPerSecond;
  const e2e = r.orderhook?.endToEnd?.p99;
  const flood = r.flood;
  const perFlood = flood?.postgres.perFloodRequest;
  return [
    {
      name: `ack p50 at ${TARGET_RATE} req/s, ${worker}`,
      target: "≤ 1 ms",
      measured: ms(paused?.p50),
      met: atMost(paused?.p50, 1),
    },
    {
      name: `ack p99 at ${TARGET_RATE} req/s, ${worker}`,
      target: "≤ 3 ms",
      measured: ms(paused?.p99),
      met: atMost(paused?.p99, 3),
    },
    {
      name: `ack p99.9 at ${TARGET_RATE} req/s, ${worker}`,
      target: "≤ 10 ms",
      measured: ms(paused?.p999),
      met: atMost(paused?.p999, 10),
    },
    {
      name: `ack p99 at ${TARGET_RATE} req/s, worker draining`,
      target: "≤ 10 ms",
      measured: ms(live?.p99),
      met: atMost(live?.p99, 10),
    },
    {
      name: "receiver peak / bare Hono peak (closed loop)",
      target: "≥ 0.40",
      measured: ratios.receiverVsFloor === null ? "—" : ratios.receiverVsFloor.toFixed(2),
      met: atLeast(ratios.receiverVsFloor, 0.4),
    },
    {
      name: "worker drain, one process",
      target: "≥ 10,000 orders/s",
      measured: drain === undefined ? "—" : `${drain.toLocaleString("en-US")} orders/s`,
      met: atLeast(drain, 10_000),
    },
    {
      name: `ack → row p99 at ${TARGET_RATE} req/s`,
      target: "≤ 25 ms",
      measured: ms(e2e),
      met: atMost(e2e, 25),
    },
    {
      name: "orderhook / old synchronous design (closed-loop peak)",
      target: "≥ 25×",
      measured: ratios.orderhookVsBaseline === null ? "—" : `${ratios.orderhookVsBaseline}×`,
      met: atLeast(ratios.orderhookVsBaseline, 25),
    },
    {
      name: flood
        ? `real sender p99 at ${flood.realRate} req/s beside ${flood.floodRate.toLocaleString("en-US")} req/s of random tokens / without`
        : "real sender p99 during a random-token flood / without",
      target: "≤ 2×",
      measured:
        flood?.p99Ratio == null
          ? "—"
          : `${flood.p99Ratio}× (${ms(flood.flooded.latency.p99)} vs ${ms(flood.quiet.latency.p99)})`,
      met: atMost(flood?.p99Ratio ?? undefined, 2),
    },
    {
      name: "Postgres transactions per flood request",
      target: "< 0.01",
      measured: perFlood == null ? "—" : String(perFlood),
      met: perFlood == null ? null : perFlood < 0.01,
    },
    {
      name: "acked alerts lost / duplicated",
      target: "0 / 0",
      measured: accounting ? `${accounting.lost} / ${accounting.duplicated}` : "—",
      met: accounting ? accounting.lost === 0 && accounting.duplicated === 0 : null,
    },
  ];
}
