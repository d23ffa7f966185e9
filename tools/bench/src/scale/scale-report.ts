import {
  capacityRows,
  IDEMPOTENCY_BYTES,
  RAILWAY_MAX_REPLICAS,
  saturationOrder,
  TARGET_UTILISATION,
  unitCosts,
} from "./capacity-model";
import type { ScaleResults } from "./scale-results";

export interface ReportTable {
  title: string;
  headers: string[];
  rows: string[][];
}

const n = (value: number | null | undefined) => (value == null ? "—" : value.toLocaleString("en-US"));
const cpu = (costs: Record<string, number>, name: string) => n(costs[name]);
/** Redis µs: the one node's, or on a cluster (`redis-0`, `redis-1`, …) their sum and each master's. */
function redisCpu(costs: Record<string, number>): string {
  const nodes = Object.keys(costs)
    .filter((name) => /^redis-\d+$/.test(name))
    .sort();
  if (nodes.length === 0) return cpu(costs, "redis");
  const each = nodes.map((name) => costs[name]!);
  return `${n(each.reduce((a, b) => a + b, 0))} (${each.map(n).join("/")})`;
}

/** The measured phases as tables: the console prints them, docs/scaling.md holds them. */
export function scaleTables(results: ScaleResults): ReportTable[] {
  const drains = results.phases.filter((p) => p.kind === "drain");
  const receivers = results.phases.filter((p) => p.kind === "receiver");
  const skipped = results.phases.filter((p) => p.kind === "skipped");
  const tables: ReportTable[] = [
    {
      title: "Worker drain (a pre-filled queue; CPU µs per order, all workers together)",
      headers: [
        "phase",
        "workers",
        "orders/s",
        "orders/commit",
        "worker µs",
        "Redis µs",
        "Postgres µs",
        "PgBouncer µs",
      ],
      rows: drains.map((d) => [
        d.name,
        n(d.workers),
        n(d.ordersPerSecond),
        n(d.ordersPerCommit),
        cpu(d.cpuUsPerOrder, "worker"),
        redisCpu(d.cpuUsPerOrder),
        cpu(d.cpuUsPerOrder, "postgres"),
        cpu(d.cpuUsPerOrder, "pgbouncer"),
      ]),
    },
    {
      title:
        "Receiver (no worker; peak = closed loop; latency = open loop at 1,000 req/s; CPU µs per ack at the peak)",
      headers: [
        "phase",
        "processes",
        "peak acks/s",
        "p50 ms",
        "p99 ms",
        "receiver µs",
        "Redis µs",
        "generator µs",
        "Redis bytes/job",
      ],
      rows: receivers.map((r) => [
        r.name,
        n(r.webConcurrency),
        n(r.peakAcksPerSecond),
        n(r.p50Ms),
        n(r.p99Ms),
        cpu(r.cpuUsPerAck, "receiver"),
        cpu(r.cpuUsPerAck, "redis"),
        cpu(r.cpuUsPerAck, "generator"),
        n(r.redisBytesPerJob),
      ]),
    },
  ];
  if (skipped.length > 0) {
    tables.push({
      title: "Not measured",
      headers: ["phase", "why"],
      rows: skipped.map((s) => [s.name, s.reason]),
    });
  }
  return tables;
}

function markdownTable({ headers, rows }: ReportTable): string {
  return [
    `| ${headers.join(" | ")} |`,
    `|${headers.map(() => "---").join("|")}|`,
    ...rows.map((r) => `| ${r.join(" | ")} |`),
  ].join("\n");
}

/** The generated block of docs/scaling.md's "Measured" section. */
export function measuredMarkdown(results: ScaleResults): string {
  const m = results.machine;
  const refused = results.phases.flatMap((p) =>
    p.kind === "receiver" && Object.keys(p.refused).length > 0
      ? [`${p.name}: ${JSON.stringify(p.refused)}`]
      : [],
  );
  return [
    `Measured ${results.finishedAt.slice(0, 10)} with \`${results.command}\` on ${m.cpu} (${m.cores} cores), ` +
      `Node ${m.node}, Postgres ${m.postgres}, Redis ${m.redis}: everything (generator, apps, Redis, Postgres, ` +
      "PgBouncer) on one machine, so absolute rates flatten at its cores; the CPU µs per ack or order are " +
      "what carries over to other machines. Redis is a `redis-server` of the run's own (AOF, `everysec`); " +
      "Postgres counts the backends of the run's database and the server's WAL writer, checkpointer " +
      "and background writer (other databases' work left out).",
    ...(results.note ? ["", `Note: ${results.note}`] : []),
    "",
    ...scaleTables(results).flatMap((t) => [`**${t.title}**`, "", markdownTable(t), ""]),
    ...(refused.length > 0 ? [`Refused answers: ${refused.join("; ")}.`, ""] : []),
  ]
    .join("\n")
    .trimEnd();
}

/** The generated block of docs/scaling.md's "Capacity model" section. */
export function capacityMarkdown(results: ScaleResults): string {
  const costs = unitCosts(results.phases);
  if (costs === null) return "The single-process phases (drain-1, receiver-1) did not run: no model.";
  const rows = capacityRows(costs);
  const order = saturationOrder(costs);
  const pct = Math.round(TARGET_UTILISATION * 100);
  return [
    "**Measured here** (per alert, one core's CPU time): " +
      `receiver ${n(costs.receiverUsPerAck)} µs per ack; worker ${n(costs.workerUsPerOrder)} µs per order; ` +
      `Redis ${n(costs.redisUsPerAck)} µs per ack + ${n(costs.redisUsPerOrder)} µs per order; ` +
      `Postgres ${n(costs.postgresUsPerOrder)} µs per order at ${n(costs.ordersPerCommit)} orders per commit; ` +
      `PgBouncer ${n(costs.pgbouncerUsPerOrder)} µs per order; a queued job holds ${n(costs.redisBytesPerJob)} bytes of Redis memory until the worker takes it.`,
    "",
    "**What saturates first** with one of each (alerts/s at 100 % of one core, measured):",
    "",
    ...order.map(
      (u) =>
        `- ${u.unit}: ${n(u.alertsPerSecond)}/s${u.scalesOut ? "" : " — Postgres grows up (cores, disk), not out: one primary takes every write"}`,
    ),
    "",
    `**Extrapolated** (linear in the measured costs, sized for ${pct} % utilisation; not measured at these rates):`,
    "",
    markdownTable({
      title: "",
      headers: [
        "alerts/s",
        "receiver processes",
        "worker processes",
        "Redis masters (QUEUE_SHARDS ≥)",
        "Postgres cores",
        "commits/s",
        "PgBouncer cores",
        `idempotency keys (GB/day, ${IDEMPOTENCY_BYTES} B each)`,
        `receiver processes per Railway replica at ${RAILWAY_MAX_REPLICAS} replicas`,
      ],
      rows: rows.map((r) => [
        n(r.alertsPerSecond),
        n(r.receiverProcesses),
        n(r.workerProcesses),
        n(r.redisMasters),
        n(r.postgresCores),
        n(r.commitsPerSecond),
        n(r.pgbouncerCores),
        n(r.idempotencyGBPerDay),
        n(r.processesPerReplicaAtMaxReplicas),
      ]),
    }),
  ].join("\n");
}

/** Replaces the text between `<!-- name:begin -->` and `<!-- name:end -->`. */
export function replaceBlock(text: string, name: string, content: string): string {
  const begin = `<!-- ${name}:begin -->`;
  const end = `<!-- ${name}:end -->`;
  const from = text.indexOf(begin);
  const to = text.indexOf(end);
  if (from < 0 || to < from) throw new Error(`docs/scaling.md has no ${begin} … ${end} block`);
  return `${text.slice(0, from + begin.length)}\n${content}\n${text.slice(to)}`;
}
