import type { BenchResults, TargetCheck } from "../bench-results";
import { TARGET_RATE } from "../phases/bench-context";

type Measured = Pick<BenchResults, "floor" | "orderhook" | "baseline" | "drain" | "flood" | "burst">;

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
    ...burstChecks(r),
  ];
}

/** Issue #16's goals for bar-close bursts; `met: null` when the run had no burst of that size. */
function burstChecks(r: Measured): TargetCheck[] {
  const bursts = r.burst?.bursts ?? [];
  const of = (alerts: number) => bursts.find((b) => b.alerts === alerts);
  const big = of(20_000)?.orderhook;
  const ten = of(10_000);
  const p99Ratio =
    ten?.orderhook && ten.floor?.latency.p99
      ? Math.round((ten.orderhook.latency.p99 / ten.floor.latency.p99) * 100) / 100
      : null;
  const largest = bursts.at(-1);
  const receiverCpu = largest?.orderhook?.cpuUsPerAck.untilLastAck.receiver;
  const floorCpu = largest?.floor?.cpuUsPerAck.untilLastAck.floor;
  const cpuRatio = receiverCpu && floorCpu ? Math.round((receiverCpu / floorCpu) * 100) / 100 : null;
  return [
    {
      name: "burst of 20,000 alerts released at once, worker running: acks later than 3 s",
      target: "0",
      measured: big
        ? `${big.over3s.toLocaleString("en-US")} (last ack ${(big.latency.max / 1000).toFixed(2)} s)`
        : "—",
      met: big ? big.over3s === 0 : null,
    },
    {
      name: "burst of 10,000 alerts: ack p99 / the floor's",
      target: "≤ 1.5×",
      measured:
        p99Ratio === null
          ? "—"
          : `${p99Ratio}× (${Math.round(ten!.orderhook!.latency.p99)} vs ${Math.round(ten!.floor!.latency.p99)} ms)`,
      met: p99Ratio === null ? null : p99Ratio <= 1.5,
    },
    {
      name: `burst of ${largest ? largest.alerts.toLocaleString("en-US") : "N"} alerts: receiver CPU per ack / the floor's`,
      target: "≤ 2×",
      measured: cpuRatio === null ? "—" : `${cpuRatio}× (${receiverCpu} vs ${floorCpu} µs)`,
      met: cpuRatio === null ? null : cpuRatio <= 2,
    },
  ];
}
