import type { MachineInfo } from "../report/machine-info";
import type { BurstCapacityResults, BurstCapacitySearch } from "./burst-capacity";
import { TRADINGVIEW_TIMEOUT_MS } from "./burst-capacity";
import { TARGET_UTILISATION } from "./capacity-model";
import type { ReportTable } from "./scale-report";

const n = (value: number | null | undefined) => (value == null ? "—" : value.toLocaleString("en-US"));
const WINDOW_US = TRADINGVIEW_TIMEOUT_MS * 1_000;

/** What one search says per receiver process and per core. */
export interface BurstCapacityFigures {
  webConcurrency: number;
  largest: number | null;
  /** Measured: the largest burst divided by the receiver processes that acknowledged it. */
  perProcess: number | null;
  /** Extrapolated: 3 s of one receiver core divided by the receiver's CPU µs per ack in that burst. */
  perReceiverCore: number | null;
  /** Extrapolated: 3 s of one Redis core divided by Redis's CPU µs per ack in that burst. */
  perRedisCore: number | null;
}

export function burstCapacityFigures(search: BurstCapacitySearch): BurstCapacityFigures {
  const cpu = search.best?.cpuUsPerAck ?? {};
  const per = (us: number | undefined) => (us && us > 0 ? Math.floor(WINDOW_US / us) : null);
  return {
    webConcurrency: search.webConcurrency,
    largest: search.largest,
    perProcess: search.largest === null ? null : Math.floor(search.largest / search.webConcurrency),
    perReceiverCore: per(cpu.receiver),
    perRedisCore: per(cpu.redis),
  };
}

/** The searches as one table: the console prints it, docs/scaling.md holds it. */
export function burstCapacityTable(results: BurstCapacityResults): ReportTable {
  return {
    title: `Largest burst acknowledged within 3 s (CPU µs per ack from the release to the last ack)`,
    headers: [
      "WEB_CONCURRENCY",
      "largest burst within 3 s (measured)",
      "first miss",
      "ack p99 of that burst, ms",
      "receiver µs",
      "Redis µs",
      "worker µs",
      "Postgres µs",
      "generator µs",
      "alerts per 3 s per receiver process (measured)",
      "alerts per 3 s per receiver core (extrapolated)",
      "trials (alerts: fit ✓ / miss ✗)",
    ],
    rows: results.searches.map((s) => {
      const f = burstCapacityFigures(s);
      const cpu = s.best?.cpuUsPerAck ?? {};
      return [
        n(s.webConcurrency),
        s.largest === null ? `< ${n(s.trials[0]?.alerts)}` : n(s.largest),
        s.smallestMiss === null ? "none" : n(s.smallestMiss),
        n(s.best && Math.round(s.best.p99Ms)),
        n(cpu.receiver),
        n(cpu.redis),
        n(cpu.worker),
        n(cpu.postgres),
        n(cpu.generator),
        n(f.perProcess),
        n(f.perReceiverCore),
        s.trials.map((t) => `${n(t.alerts)} ${t.fits ? "✓" : "✗"}`).join(", "),
      ];
    }),
  };
}

/** Every trial's acks against its rows, warm-up bursts included. */
export function burstCapacityVerified(results: BurstCapacityResults): boolean {
  return results.searches.every(
    (s) =>
      s.warmupLost === 0 &&
      s.warmupDuplicated === 0 &&
      s.trials.every((t) => t.lost === 0 && t.duplicated === 0),
  );
}

/** The generated block of docs/scaling.md's "Largest burst acknowledged within 3 s" section. */
export function burstCapacityMarkdown(
  results: BurstCapacityResults,
  run: { finishedAt: string; command: string; machine: MachineInfo; note: string | null },
): string {
  const m = run.machine;
  const table = burstCapacityTable(results);
  const one = results.searches.find((s) => s.webConcurrency === 1);
  const figures = one ? burstCapacityFigures(one) : null;
  const pct = Math.round(TARGET_UTILISATION * 100);
  const trials = results.searches.flatMap((s) => s.trials);
  const verified = burstCapacityVerified(results);
  return [
    `Measured ${run.finishedAt.slice(0, 10)} with \`${run.command}\` on ${m.cpu} (${m.cores} cores), Node ${m.node}: ` +
      `receiver, worker, Redis, Postgres and the load generator on the same cores. Each burst is released at one instant ` +
      `from ${results.users} users' webhooks over ${results.connections} warm keep-alive connections (${results.send}), ` +
      `the worker running, after a warm-up burst of ${n(results.warmupAlerts)}; bursts double from ${n(results.start)} ` +
      `until one misses, then the gap is halved down to ${n(results.resolution)} alerts (at most ${results.maxTrials} bursts per row). ` +
      "A burst fits when every alert is answered 2xx within 3 s of the release and every ack is exactly one row. " +
      (verified
        ? `All ${trials.length} bursts (and the warm-ups): none lost, none duplicated.`
        : "**Some burst lost or duplicated rows: see the JSON.**"),
    ...(run.note ? ["", `Note: ${run.note}`] : []),
    "",
    `| ${table.headers.join(" | ")} |`,
    `|${table.headers.map(() => "---").join("|")}|`,
    ...table.rows.map((r) => `| ${r.join(" | ")} |`),
    "",
    "**Measured** is what this machine did with everything on its cores; **extrapolated** is 3 s of one " +
      "core divided by the CPU µs the receiver spent per ack in that burst (linear; not measured at that size): " +
      "what one receiver process on a core of its own acknowledges in 3 s. Redis is the other per-burst limit: " +
      `one master admits ${n(figures?.perRedisCore)} alerts in 3 s at the burst's Redis µs per ack (extrapolated). ` +
      `A row with more receiver processes than the machine has cores to spare beside Redis, Postgres, the worker ` +
      `and the generator (here ${m.cores} cores in all) measures their contention, not scale-out.`,
    "",
    `**Sizing from strategies firing at one close** (S alerts in the same few hundred ms): receiver processes ` +
      `(\`WEB_CONCURRENCY\` × replicas, one core each) ≥ S ÷ (alerts per 3 s per receiver core × ${pct} %), and Redis ` +
      `masters (\`QUEUE_SHARDS\`) ≥ S ÷ (Redis's alerts per 3 s × ${pct} %); with Redis, Postgres and the worker on the ` +
      "same cores, plan with the measured column instead." +
      (figures?.perReceiverCore
        ? ` With these figures, 50,000 strategies need ${n(Math.ceil(50_000 / (figures.perReceiverCore * TARGET_UTILISATION)))} receiver processes` +
          (figures.perRedisCore
            ? ` and ${n(Math.ceil(50_000 / (figures.perRedisCore * TARGET_UTILISATION)))} Redis masters.`
            : ".")
        : ""),
  ].join("\n");
}
