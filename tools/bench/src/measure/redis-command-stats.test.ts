import { describe, expect, it } from "vitest";
import { commandStatsDelta, parseCommandStats } from "./redis-command-stats";

const INFO = (evalsha: number, hset: number) =>
  [
    "# Commandstats",
    `cmdstat_evalsha:calls=${evalsha},usec=${evalsha * 20},usec_per_call=20.00,rejected_calls=0,failed_calls=0`,
    `cmdstat_hset:calls=${hset},usec=${hset * 2},usec_per_call=2.00,rejected_calls=0,failed_calls=0`,
    "cmdstat_client|setname:calls=4,usec=8,usec_per_call=2.00,rejected_calls=0,failed_calls=0",
    "",
  ].join("\r\n");

describe("parseCommandStats", () => {
  it("reads calls and usec of every command, subcommands included", () => {
    expect(parseCommandStats(INFO(10, 5))).toEqual(
      new Map([
        ["evalsha", { calls: 10, usec: 200 }],
        ["hset", { calls: 5, usec: 10 }],
        ["client|setname", { calls: 4, usec: 8 }],
      ]),
    );
  });
});

describe("commandStatsDelta", () => {
  it("reports what ran between two readings per ack, busiest first, leaving out commands that did not run", () => {
    const before = parseCommandStats(INFO(10, 5));
    const after = parseCommandStats(`${INFO(110, 305)}cmdstat_xadd:calls=100,usec=300\r\n`);
    expect(commandStatsDelta(before, after, 100)).toEqual([
      { command: "evalsha", calls: 100, usec: 2_000, callsPerAck: 1, usecPerAck: 20 },
      { command: "hset", calls: 300, usec: 600, callsPerAck: 3, usecPerAck: 6 },
      { command: "xadd", calls: 100, usec: 300, callsPerAck: 1, usecPerAck: 3 },
    ]);
  });
});
