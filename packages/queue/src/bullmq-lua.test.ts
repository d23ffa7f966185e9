import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { TAKEN_JOB_FIELDS } from "./batch-scripts";
import {
  bullmqAddStandardJobLua,
  bullmqAddStandardJobOptionReads,
  bullmqLuaIncludes,
  bullmqVersion,
  loadLuaCommand,
  memoizedHelpersLua,
} from "./bullmq-lua";

const definedFunctions = (lua: string) => [...lua.matchAll(/^local function (\w+)/gm)].map((m) => m[1]);

describe("bullmqLuaIncludes", () => {
  it("inlines what each helper includes, once, before the helper that calls it", () => {
    const lua = bullmqLuaIncludes(["removeJobsByMaxCount", "removeJobsByMaxAge", "removeJob"]);
    const functions = definedFunctions(lua);
    expect(new Set(functions).size).toBe(functions.length);
    for (const [callee, caller] of [
      ["removeJobKeys", "removeJob"],
      ["removeParentDependencyKey", "removeJob"],
      ["removeJob", "removeJobsByMaxCount"],
      ["batches", "removeJobsByMaxAge"],
    ] as const) {
      expect(functions.indexOf(callee), `${callee} before ${caller}`).toBeGreaterThanOrEqual(0);
      expect(functions.indexOf(callee)).toBeLessThan(functions.indexOf(caller));
    }
    expect(lua).not.toContain("@include");
  });

  it("fails loudly on a helper the installed BullMQ does not ship", () => {
    expect(() => bullmqLuaIncludes(["noSuchHelper"])).toThrow(/noSuchHelper\.lua/);
  });
});

describe("bullmqAddStandardJobLua", () => {
  it("wraps BullMQ's add as a local function whose msgpack arguments arrive already unpacked, read as they come", () => {
    const lua = bullmqAddStandardJobLua();
    expect(lua.startsWith("local bullmqAddStandardJob\ndo\n")).toBe(true);
    expect(lua).toContain("bullmqAddStandardJob = function(KEYS, ARGV, optsJson)\n");
    expect(lua.trimEnd().endsWith("end\nend")).toBe(true);
    // BullMQ's two unpacks read the tables as they come.
    expect(lua).not.toMatch(/cmsgpack/);
    expect(lua).toMatch(/^local args = ARGV\[1\]$/m);
    expect(lua).toMatch(/^local opts = ARGV\[3\]$/m);
  });

  it("stores the options' JSON given as the third argument instead of encoding the options table", () => {
    const lua = bullmqAddStandardJobLua();
    const shim = lua.indexOf("local cjson = {decode = cjson.decode, encode = function(value)");
    expect(shim).toBeGreaterThan(0);
    expect(lua).toContain("if addOptsJson ~= nil and value == addOpts then return addOptsJson end");
    expect(lua).toContain("addOpts, addOptsJson = ARGV[3], optsJson\n");
    expect(shim).toBeLessThan(lua.indexOf("cjson.encode(opts)"));
  });

  it("defines BullMQ's helpers once, beside the locals they share, which each add assigns afresh", () => {
    const lua = bullmqAddStandardJobLua();
    const add = lua.indexOf("bullmqAddStandardJob = function(");
    const helpers = [...lua.matchAll(/^local function (\w+)/gm)];
    expect(helpers.length).toBeGreaterThan(20);
    for (const helper of helpers) expect(helper.index, helper[1]).toBeLessThan(add);
    const shared = /^local (rcall(?:, \w+)*)$/m.exec(lua)?.[1]?.split(", ") ?? [];
    expect(shared).toContain("rcall");
    const assignments = lua.slice(add);
    for (const name of shared) expect(assignments, name).toMatch(new RegExp(`^${name} = `, "m"));
    // Locals no helper names stay the add's own.
    expect(shared).not.toContain("waitKey");
    expect(assignments).toMatch(/^local waitKey = KEYS\[1\]$/m);
  });
});

/**
 * The add that `MEMOIZED_HELPERS` (bullmq-lua.ts) was reviewed against: its memos are exact only
 * while no add writes what they read. On a change, review the add's writes again, then update this.
 */
const MEMOS_REVIEWED = {
  bullmq: "6.7.0",
  sha256: "2eee45c9ffc54d24681b737f926016a7f7464f0d32a5f87f623bffa2fc55413c",
};

describe("the memoized add helpers", () => {
  const { addStandardJob } = createRequire(import.meta.url)(
    "bullmq/dist/cjs/scripts/addStandardJob-9.js",
  ) as {
    addStandardJob: { content: string };
  };

  it("were reviewed against the installed BullMQ's add", () => {
    const now = createHash("sha256").update(addStandardJob.content).digest("hex");
    if (now !== MEMOS_REVIEWED.sha256) {
      expect.fail(
        `BullMQ ${bullmqVersion()}'s addStandardJob changed since ${MEMOS_REVIEWED.bullmq}: check that no add ` +
          "writes what MEMOIZED_HELPERS in bullmq-lua.ts memoizes, then set MEMOS_REVIEWED to " +
          JSON.stringify({ bullmq: bullmqVersion(), sha256: now }),
      );
    }
  });

  it("are memoized after BullMQ defines them, before the add, when the caller's condition holds", () => {
    const lua = bullmqAddStandardJobLua({ memoizeIf: "#KEYS > 13" });
    const memos = lua.indexOf("if #KEYS > 13 then\n");
    expect(memos).toBeGreaterThan(0);
    expect(memos).toBeLessThan(lua.indexOf("bullmqAddStandardJob = function("));
    for (const name of ["getOrSetMaxEvents", "isQueuePausedOrMaxed", "addBaseMarkerIfNeeded"]) {
      expect(lua.indexOf(`local function ${name}(`), name).toBeLessThan(memos);
      // BullMQ's own is kept as the memo's `bullmq`; the memo assigns over its local.
      expect(lua.indexOf(`\nlocal bullmq = ${name}\n`, memos), name).toBeGreaterThan(memos);
      expect(lua.indexOf(`\n${name} = function(`, memos), name).toBeGreaterThan(memos);
    }
    expect(bullmqAddStandardJobLua()).toContain("if true then\n");
  });

  it("refuses a BullMQ whose memoized helper reads otherwise than reviewed", () => {
    const helper = (body: string) => `local function getOrSetMaxEvents(metaKey)\n${body}\nend\n`;
    const reviewed = `  local maxEvents = rcall("HGET", metaKey, "opts.maxLenEvents")
  if not maxEvents then
    maxEvents = 10000
    rcall("HSET", metaKey, "opts.maxLenEvents", maxEvents)
  end
  return maxEvents`;
    const others = `local function isQueuePausedOrMaxed(queueMetaKey, activeKey)
  local queueAttributes = rcall("HMGET", queueMetaKey, "paused", "concurrency")
  if queueAttributes[1] then
    return true
  else
    if queueAttributes[2] then
      local activeCount = rcall("LLEN", activeKey)
      return activeCount >= tonumber(queueAttributes[2])
    end
  end
  return false
end
local function addBaseMarkerIfNeeded(markerKey, isPausedOrMaxed)
  if not isPausedOrMaxed then
    rcall("ZADD", markerKey, 0, "0")
  end
end
`;
    // Comments and spacing aside, it reads as reviewed.
    expect(() => memoizedHelpersLua(helper(`  -- a comment\n${reviewed}`) + others)).not.toThrow();
    expect(() => memoizedHelpersLua(helper(reviewed.replace("10000", "5000")) + others)).toThrow(
      /getOrSetMaxEvents changed/,
    );
    expect(() => memoizedHelpersLua(others)).toThrow(/no longer defines getOrSetMaxEvents/);
  });
});

describe("bullmqAddStandardJobOptionReads", () => {
  it("lists the options BullMQ's add reads by name, none of them the queue's nested defaults", () => {
    const reads = bullmqAddStandardJobOptionReads();
    expect([...reads]).toEqual(expect.arrayContaining(["de", "lifo", "delay", "priority"]));
    for (const nested of ["backoff", "removeOnComplete", "removeOnFail", "attempts"]) {
      expect(reads.has(nested), nested).toBe(false);
    }
  });
});

describe("loadLuaCommand", () => {
  it("names the script and its key count after the file, and inlines BullMQ's helpers once, where the includes were", () => {
    const take = loadLuaCommand("takeJobs-11.lua");
    expect({ name: take.name, numberOfKeys: take.numberOfKeys }).toEqual({
      name: "takeJobs",
      numberOfKeys: 11,
    });
    expect(take.lua).not.toContain("@include");
    const functions = definedFunctions(take.lua);
    expect(new Set(functions).size).toBe(functions.length);
    expect(functions).toEqual(
      expect.arrayContaining(["getQueueMetadata", "promoteDelayedJobs", "getRateLimitTTL"]),
    );
    // Helpers come after the script's own locals (they use rcall) and before its first call.
    expect(take.lua.indexOf("local function")).toBeGreaterThan(take.lua.indexOf("local rcall"));
    expect(take.lua.indexOf("local function")).toBeLessThan(take.lua.indexOf("getQueueMetadata(KEYS[9]"));
  });

  it("reads back, per taken job, the fields the reply parser expects, in its order", () => {
    const hmget = /rcall\("HMGET", jobKey, ([^)]*)\)/.exec(loadLuaCommand("takeJobs-11.lua").lua);
    expect(hmget?.[1]?.split(", ").map((field) => JSON.parse(field))).toEqual([...TAKEN_JOB_FIELDS]);
    expect(loadLuaCommand("takeJobs-11.lua").lua).toContain(`for f = 1, ${TAKEN_JOB_FIELDS.length} do`);
  });

  it("refuses a file not named <name>-<numberOfKeys>.lua", () => {
    expect(() => loadLuaCommand("takeJobs.lua")).toThrow(/<name>-<numberOfKeys>\.lua/);
  });
});
