import type { Redis } from "ioredis";

/** One command's share of a window, from Redis's `INFO commandstats`. */
export interface CommandStat {
  /** As Redis names it: `evalsha`, `hset`, `client|setname`… Commands run inside Lua scripts count under their own names too. */
  command: string;
  calls: number;
  /** Time Redis spent in the command (for `evalsha`, the whole script, its inner commands included). */
  usec: number;
  callsPerAck: number;
  usecPerAck: number;
}

export type CommandCounters = Map<string, { calls: number; usec: number }>;

/** Parses `INFO commandstats` (`cmdstat_get:calls=3,usec=12,usec_per_call=4.00,…` per line). */
export function parseCommandStats(info: string): CommandCounters {
  const counters: CommandCounters = new Map();
  for (const match of info.matchAll(/^cmdstat_(\S+?):calls=(\d+),usec=(\d+)/gm)) {
    counters.set(match[1]!, { calls: Number(match[2]), usec: Number(match[3]) });
  }
  return counters;
}

/** The server's counters now; read before and after a window and subtract with `commandStatsDelta`. */
export async function readCommandStats(redis: Redis): Promise<CommandCounters> {
  return parseCommandStats(await redis.info("commandstats"));
}

/**
 * What the server ran between two readings, per ack, busiest first. The counters are the whole
 * server's: on a shared Redis, other clients' commands land here too (as does the reading itself).
 */
export function commandStatsDelta(
  before: CommandCounters,
  after: CommandCounters,
  acks: number,
): CommandStat[] {
  const stats: CommandStat[] = [];
  for (const [command, end] of after) {
    const start = before.get(command) ?? { calls: 0, usec: 0 };
    const calls = end.calls - start.calls;
    if (calls <= 0) continue;
    const usec = end.usec - start.usec;
    stats.push({
      command,
      calls,
      usec,
      callsPerAck: acks > 0 ? Math.round((calls / acks) * 1000) / 1000 : 0,
      usecPerAck: acks > 0 ? Math.round((usec / acks) * 100) / 100 : 0,
    });
  }
  return stats.sort((a, b) => b.usec - a.usec || b.calls - a.calls);
}
