import type { BenchResults, PhaseResult } from "../bench-results";
import type { LatencySummary } from "../load/latency-recorder";
import { burstSections } from "./burst-sections";

export interface Section {
  title: string;
  headers: string[];
  rows: string[][];
}

const fmt = (ms: number) => (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2));
const num = (n: number) => n.toLocaleString("en-US");

/** Everything but 2xx, e.g. `429 rate_limited ×3, error ECONNRESET ×1`; unanswered ones too. */
function problems(phase: PhaseResult): string {
  const parts = Object.entries(phase.outcomes)
    .filter(([key]) => !/^2\d\d$/.test(key))
    .map(([key, n]) => `${key} ×${n}`);
  if (phase.unfinished > 0) parts.push(`unanswered ×${phase.unfinished}`);
  return parts.length === 0 ? "none" : parts.join(", ");
}

/** e.g. `receiver 62 · worker 140 · generator 35`. */
function cpu(phase: PhaseResult): string {
  const entries = Object.entries(phase.cpuUsPerAnswer ?? {});
  return entries.length === 0 ? "—" : entries.map(([name, us]) => `${name} ${us}`).join(" · ");
}

function cpuList(perOrder: Record<string, number> | undefined, worker: number | null): string {
  const entries = Object.entries(perOrder ?? {});
  if (entries.length > 0) return entries.map(([name, us]) => `${name} ${num(us)}`).join(" · ");
  return worker === null ? "—" : `worker ${num(worker)}`;
}

/** The columns `percentiles` fills. */
const PERCENTILE_HEADERS = ["p50", "p90", "p99", "p99.9", "max"];

function percentiles(l: LatencySummary): string[] {
  return [fmt(l.p50), fmt(l.p90), fmt(l.p99), fmt(l.p999), fmt(l.max)];
}

export function resultSections(r: BenchResults): Section[] {
  const named = [
    ["orderhook", r.orderhook],
    ["floor (bare Hono)", r.floor],
    ["baseline (old design)", r.baseline],
  ] as const;
  const open: string[][] = [];
  for (const [name, target] of named) {
    const phases = target
      ? [
          ...target.open,
          ...("openWithWorker" in target && target.openWithWorker ? [target.openWithWorker] : []),
        ]
      : [];
    for (const p of phases) {
      open.push([
        name,
        p.worker ?? "—",
        num(p.rate ?? 0),
        num(p.throughput),
        ...percentiles(p.latency),
        fmt(p.sendLag?.p99 ?? 0),
        cpu(p),
        problems(p),
      ]);
    }
  }
  const closed: string[][] = [];
  for (const [name, target] of named) {
    const p = target?.closed;
    if (p)
      closed.push([
        name,
        num(p.connections),
        num(p.throughput),
        ...percentiles(p.latency),
        cpu(p),
        problems(p),
      ]);
  }
  const sections: Section[] = [
    {
      title: "Open loop: ack latency (ms) from the intended send time, warm-up excluded",
      headers: [
        "target",
        "worker",
        "req/s offered",
        "answers/s",
        ...PERCENTILE_HEADERS,
        "send lag p99",
        "CPU µs/answer",
        "non-2xx / errors",
      ],
      rows: open,
    },
    {
      title: "Closed loop: peak answers/s (latency in ms from the actual send)",
      headers: [
        "target",
        "connections",
        "answers/s",
        ...PERCENTILE_HEADERS,
        "CPU µs/answer",
        "non-2xx / errors",
      ],
      rows: closed,
    },
  ];
  const o = r.orderhook;
  if (o?.endToEnd) {
    sections.push({
      title: "End to end: ack → orders row committed (ms) at 1,000 req/s, worker consuming",
      headers: ["rows", ...PERCENTILE_HEADERS],
      rows: [[num(o.endToEnd.count), ...percentiles(o.endToEnd)]],
    });
  }
  const accounting: string[][] = [];
  if (o) accounting.push(["orderhook", ...accountingCells(o.accounting)]);
  if (r.baseline) accounting.push(["baseline (old design)", ...accountingCells(r.baseline.accounting)]);
  if (accounting.length > 0) {
    sections.push({
      title: "Accounting: every acknowledged orderId has exactly one row",
      headers: ["target", "acked", "rows", "lost", "duplicated", "rows without ack"],
      rows: accounting,
    });
  }
  if (r.drain) {
    sections.push({
      title: "Worker drain: one worker process, pre-filled queue → Postgres",
      headers: ["jobs", "rows", "seconds", "orders/s", "CPU µs/order"],
      rows: [
        [
          num(r.drain.jobs),
          num(r.drain.rows),
          r.drain.seconds.toFixed(2),
          num(r.drain.ordersPerSecond),
          cpuList(r.drain.cpuUsPerOrder, r.drain.workerCpuUsPerOrder),
        ],
      ],
    });
  }
  const f = r.flood;
  if (f) {
    const answers = (p: PhaseResult) =>
      Object.entries(p.outcomes)
        .map(([key, n]) => `${key} ×${num(n)}`)
        .join(", ");
    sections.push({
      title: `Flood: a real sender at ${num(f.realRate)} req/s beside ${num(f.floodRate)} req/s of random well-formed tokens (${f.durationMs / 1000} s each, worker paused; latency in ms)`,
      headers: [
        "phase",
        "answers/s",
        "p50",
        "p90",
        "p99",
        "p99.9",
        "max",
        "Postgres transactions",
        "receiver CPU µs/request",
        "answers",
      ],
      rows: [
        [
          "real sender alone",
          num(f.quiet.throughput),
          ...percentiles(f.quiet.latency),
          num(f.postgres.quietTransactions),
          String(f.receiverCpuUsPerRequest?.quiet ?? "—"),
          answers(f.quiet),
        ],
        [
          "real sender, flooded",
          num(f.flooded.throughput),
          ...percentiles(f.flooded.latency),
          num(f.postgres.floodedTransactions),
          `${f.receiverCpuUsPerRequest?.flooded ?? "—"} (all requests)`,
          answers(f.flooded),
        ],
        [
          "the flood",
          num(f.flood.throughput),
          ...percentiles(f.flood.latency),
          `${f.postgres.perFloodRequest ?? "—"} per request`,
          "",
          answers(f.flood),
        ],
      ],
    });
  }
  sections.push(...burstSections(r));
  sections.push({
    title: "SPEC targets",
    headers: ["target", "goal", "measured", "met"],
    rows: r.targets.map((t) => [
      t.name,
      t.target,
      t.measured,
      t.met === null ? "not measured" : t.met ? "yes" : "NO",
    ]),
  });
  return sections.filter((s) => s.rows.length > 0);
}

function accountingCells(a: {
  acked: number;
  rows: number;
  lost: number;
  duplicated: number;
  unacknowledged: number;
}): string[] {
  return [num(a.acked), num(a.rows), num(a.lost), num(a.duplicated), num(a.unacknowledged)];
}
