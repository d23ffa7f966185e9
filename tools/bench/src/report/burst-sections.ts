import type { BenchResults } from "../bench-results";
import type { BurstRun } from "../burst-results";
import type { CommandStat } from "../measure/redis-command-stats";
import type { Section } from "./result-sections";

const fmt = (ms: number) => (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2));
const num = (n: number) => n.toLocaleString("en-US");
/** Commands listed per burst: the busiest, by Redis time. */
const TOP_COMMANDS = 12;

function cpu(perAck: Record<string, number> | null): string {
  const entries = Object.entries(perAck ?? {});
  return entries.length === 0 ? "—" : entries.map(([name, us]) => `${name} ${num(us)}`).join(" · ");
}

function problems(run: BurstRun): string {
  const parts = Object.entries(run.outcomes)
    .filter(([key]) => !/^2\d\d$/.test(key))
    .map(([key, n]) => `${key} ×${num(n)}`);
  if (run.unfinished > 0) parts.push(`unanswered ×${num(run.unfinished)}`);
  return parts.length === 0 ? "none" : parts.join(", ");
}

/** The burst phase's tables: acks from the release, CPU per ack, and orderhook's Redis commands per ack. */
export function burstSections(r: BenchResults): Section[] {
  const b = r.burst;
  if (!b || b.bursts.length === 0) return [];
  const runs = b.bursts.flatMap(({ alerts, floor, orderhook }) =>
    (
      [
        ["floor (bare Hono)", floor],
        ["orderhook", orderhook],
      ] as const
    ).flatMap(([name, run]) => (run ? [{ alerts, name, run }] : [])),
  );
  const worker = b.worker === "live" ? "worker running" : "worker started after the last ack";
  // Results from before `send` existed were pipelined.
  const send =
    b.send === "queued"
      ? "one request in flight per connection"
      : "each connection's share pipelined in one write";
  const sections: Section[] = [
    {
      title: `Bar-close bursts: alerts from ${b.users} users released at one instant over ${num(b.connections)} warm keep-alive connections (${send}), ${worker}; ms from the release`,
      headers: [
        "alerts",
        "target",
        "release spread",
        "p50",
        "p90",
        "p99",
        "max",
        "over 3 s",
        "last row committed",
        "lost / duplicated",
        "non-2xx / errors",
      ],
      rows: runs.map(({ alerts, name, run }) => [
        num(alerts),
        name,
        fmt(run.releaseSpreadMs),
        fmt(run.latency.p50),
        fmt(run.latency.p90),
        fmt(run.latency.p99),
        fmt(run.latency.max),
        num(run.over3s),
        run.lastRowMs === null ? "—" : fmt(run.lastRowMs),
        run.accounting ? `${num(run.accounting.lost)} / ${num(run.accounting.duplicated)}` : "—",
        problems(run),
      ]),
    },
    {
      title:
        "Bar-close bursts: CPU µs per ack, from the release to the last ack and to the last row committed",
      headers: ["alerts", "target", "until the last ack", "until the last row"],
      rows: runs.map(({ alerts, name, run }) => [
        num(alerts),
        name,
        cpu(run.cpuUsPerAck.untilLastAck),
        cpu(run.cpuUsPerAck.untilLastRow),
      ]),
    },
  ];
  for (const { alerts, run } of runs) {
    const redis = run.redisCommands;
    if (!redis) continue;
    const untilRow = new Map(redis.untilLastRow.map((s) => [s.command, s]));
    const untilAck = new Map(redis.untilLastAck.map((s) => [s.command, s]));
    const commands = [...new Set([...redis.untilLastAck, ...redis.untilLastRow].map((s) => s.command))]
      .sort((x, y) => (untilRow.get(y)?.usec ?? 0) - (untilRow.get(x)?.usec ?? 0))
      .slice(0, TOP_COMMANDS);
    const cells = (s: CommandStat | undefined) =>
      s ? [String(s.callsPerAck), String(s.usecPerAck)] : ["—", "—"];
    sections.push({
      title: `Bar-close burst of ${num(alerts)}: Redis commands per ack (INFO commandstats, the ${TOP_COMMANDS} busiest until the last row)`,
      headers: [
        "command",
        "calls until the last ack",
        "µs until the last ack",
        "calls until the last row",
        "µs until the last row",
      ],
      rows: commands.map((command) => [
        command,
        ...cells(untilAck.get(command)),
        ...cells(untilRow.get(command)),
      ]),
    });
  }
  return sections;
}
