import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const INCLUDE = /^--- @include "([^"]+)"[ \t]*$/gm;
const COMMAND_FILE = /^(\w+)-(\d+)\.lua$/;
// BullMQ ships its scripts in the CommonJS build only as Node can load them (the ESM build is
// not marked as a module), together with the raw scripts and includes.
const require = createRequire(import.meta.url);
// Beside this module in the source tree; beside the bundle in a built app (its tsup build copies them).
const COMMANDS = new URL("./commands/", import.meta.url);

export const ADD_STANDARD_JOB = "addStandardJob";
export const ADD_STANDARD_JOB_KEYS = 9;

interface ScriptModule {
  addStandardJob: { name: string; content: string; keys: number };
}

// The only msgpack BullMQ's add does: its two packed arguments, unpacked on entry.
const ADD_STANDARD_JOB_UNPACKS = ["cmsgpack.unpack(ARGV[1])", "cmsgpack.unpack(ARGV[3])"];
// An assignment into the options table (`opts['x'] = …`), after which its JSON would differ.
const OPTS_ASSIGNMENT = /\b(?:opts|fullOpts)\s*(?:\[[^\]]*\]|\.\w+)\s*=[^=]/;

// The parts of BullMQ's add (`addStandardJobParts`): its locals, its helper functions, its body.
const PRELUDE_LOCAL = /^local (\w+)(?: = (.+))?$/;
const TOP_LEVEL_OF_HELPERS = /^(?:local function \w+\(.*|end|--.*|\]\]|)$/;

/**
 * BullMQ's add split where its script is laid out: the top-level locals it opens with (each
 * `local name` or `local name = expression` on a line of its own), then only comments and
 * `local function`s (each closed by an `end` in column 0), then the body. Throws for any other
 * layout, so an upgrade that changes it fails loudly instead of mis-splitting.
 */
function addStandardJobParts(content: string): {
  locals: { name: string; value: string | null }[];
  helpers: string;
  body: string;
} {
  const lines = content.split("\n");
  const first = lines.findIndex((line) => line.startsWith("local function "));
  let last = -1;
  lines.forEach((line, i) => {
    if (line.startsWith("local function ")) last = i;
  });
  const end = lines.findIndex((line, i) => i > last && /^end\s*$/.test(line));
  if (first < 0 || end < 0) throw new Error(`BullMQ's ${ADD_STANDARD_JOB} defines no helper functions`);
  const locals: { name: string; value: string | null }[] = [];
  let inComment = false;
  for (const line of lines.slice(0, first)) {
    if (inComment) {
      inComment = !line.includes("]]");
      continue;
    }
    if (line.startsWith("--[[")) {
      inComment = !line.includes("]]");
      continue;
    }
    if (line.trim() === "" || line.startsWith("--")) continue;
    const local = PRELUDE_LOCAL.exec(line);
    if (local === null) throw new Error(`BullMQ's ${ADD_STANDARD_JOB} opens with ${line}`);
    locals.push({ name: local[1]!, value: local[2] ?? null });
  }
  const helpers = lines.slice(first, end + 1);
  const stray = helpers.find((line) => !/^\s/.test(line) && !TOP_LEVEL_OF_HELPERS.test(line));
  if (stray !== undefined) throw new Error(`BullMQ's ${ADD_STANDARD_JOB} has ${stray} among its helpers`);
  return { locals, helpers: helpers.join("\n"), body: lines.slice(end + 1).join("\n") };
}

/**
 * Which of `names` BullMQ's helpers may read or write as their enclosing script's locals: those
 * a helper names other than as one of its own parameters (which would shadow the local in all
 * of its body). Conservative: a name a helper declares `local` itself counts too. Comments and
 * string literals are left out first.
 */
function namesHelpersShare(helpers: string, names: readonly string[]): Set<string> {
  const code = helpers
    .replace(/--\[\[[\s\S]*?\]\]/g, "")
    .replace(/--[^\n]*/g, "")
    .replace(/"[^"\n]*"|'[^'\n]*'/g, '""');
  const shared = new Set<string>();
  for (const helper of code.split(/^(?=local function )/m)) {
    const head = /^local function \w+\(([^)]*)\)/.exec(helper);
    if (head === null) continue;
    const parameters = new Set(head[1]!.split(",").map((name) => name.trim()));
    const body = helper.slice(head[0].length);
    for (const name of names) {
      if (!parameters.has(name) && new RegExp(`(?<![\\w.])${name}\\b`).test(body)) shared.add(name);
    }
  }
  return shared;
}

/**
 * BullMQ's add helpers whose result no later add of the same script call can change, as
 * reviewed in BullMQ's source (`reviewed`, compared with comments and spacing left out): each is
 * memoized per script call (`memo`, which assigns over the helper's local, so the helpers and the
 * body that call it get the memo). Exact because a script is atomic: between two adds of one call
 * run only adds and the caller's own writes (the receiver's are to keys of its own, never the
 * queue's), and no add writes what these read — it pushes to the wait list, never to the active
 * one; it writes the meta hash's `opts.maxLenEvents` only here; it writes the marker's member "0"
 * only here, with score 0, so a second ZADD would change nothing (no write, event or
 * propagation). Redis's key access statistics aside (keyspace hits, LRU/LFU), each add does what a
 * script of its own would. Not memoized: anything an add changes (the job counter, the wait list,
 * the delayed set). `bullmq-lua.test.ts` pins the whole add these were reviewed against.
 */
const MEMOIZED_HELPERS: readonly { name: string; reviewed: string; memo: string }[] = [
  {
    // Later calls get what HGET would then read: the value stored (a string).
    name: "getOrSetMaxEvents",
    reviewed: `local function getOrSetMaxEvents(metaKey)
  local maxEvents = rcall("HGET", metaKey, "opts.maxLenEvents")
  if not maxEvents then
    maxEvents = 10000
    rcall("HSET", metaKey, "opts.maxLenEvents", maxEvents)
  end
  return maxEvents
end`,
    memo: `local memoKey, memoValue
getOrSetMaxEvents = function(metaKey)
  if metaKey == memoKey then return memoValue end
  local maxEvents = bullmq(metaKey)
  memoKey, memoValue = metaKey, tostring(maxEvents)
  return maxEvents
end`,
  },
  {
    // Reads the meta hash's `paused` and `concurrency`, and the active list's length.
    name: "isQueuePausedOrMaxed",
    reviewed: `local function isQueuePausedOrMaxed(queueMetaKey, activeKey)
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
end`,
    memo: `local memoMetaKey, memoActiveKey, memoValue
isQueuePausedOrMaxed = function(queueMetaKey, activeKey)
  if queueMetaKey == memoMetaKey and activeKey == memoActiveKey then return memoValue end
  local value = bullmq(queueMetaKey, activeKey)
  memoMetaKey, memoActiveKey, memoValue = queueMetaKey, activeKey, value
  return value
end`,
  },
  {
    // Once the marker holds member "0" at score 0, the same ZADD is a no-op.
    name: "addBaseMarkerIfNeeded",
    reviewed: `local function addBaseMarkerIfNeeded(markerKey, isPausedOrMaxed)
  if not isPausedOrMaxed then
    rcall("ZADD", markerKey, 0, "0")
  end
end`,
    memo: `local memoKey
addBaseMarkerIfNeeded = function(markerKey, isPausedOrMaxed)
  if isPausedOrMaxed or markerKey ~= memoKey then
    bullmq(markerKey, isPausedOrMaxed)
    if not isPausedOrMaxed then memoKey = markerKey end
  end
end`,
  },
];

/** Lua as compared with a reviewed text: comments left out, spacing collapsed. */
function luaWithoutLayout(lua: string): string {
  return lua
    .replace(/--\[\[[\s\S]*?\]\]/g, "")
    .replace(/--[^\n]*/g, "")
    .replace(/\s+/g, " ")
    .trim();
}

/**
 * `MEMOIZED_HELPERS`' memos, to follow BullMQ's helpers: each in a block of its own, holding the
 * helper as BullMQ defines it (`bullmq`). Throws if a helper is missing or reads otherwise than
 * reviewed, so that a BullMQ upgrade that changes one fails loudly until it is reviewed again.
 */
export function memoizedHelpersLua(helpers: string): string {
  const defined = new Map<string, string>();
  for (const helper of helpers.split(/^(?=local function )/m)) {
    const name = /^local function (\w+)\(/.exec(helper)?.[1];
    // Each helper's text runs to its closing `end` in column 0 (`addStandardJobParts`).
    const end = /^end\s*$/m.exec(helper);
    if (name !== undefined && end !== null) defined.set(name, helper.slice(0, end.index + 3));
  }
  return MEMOIZED_HELPERS.map(({ name, reviewed, memo }) => {
    const source = defined.get(name);
    if (source === undefined) throw new Error(`BullMQ's ${ADD_STANDARD_JOB} no longer defines ${name}`);
    if (luaWithoutLayout(source) !== luaWithoutLayout(reviewed)) {
      throw new Error(`BullMQ's ${name} changed: review its memo in bullmq-lua.ts (MEMOIZED_HELPERS)`);
    }
    return `do\nlocal bullmq = ${name}\n${memo}\nend\n`;
  }).join("");
}

/**
 * BullMQ's `addStandardJob` Lua (its includes already inlined by BullMQ's build), wrapped as
 * the local function `bullmqAddStandardJob(KEYS, ARGV, optsJson)`, so that another script can
 * add a job exactly as `Queue.add` does, in the same atomic step as its own checks. Taken from
 * the installed BullMQ, never copied: an upgrade brings its script along, and the conformance
 * test (apps/receiver/src/admission-conformance.int.test.ts) compares the result with
 * `Queue.add`'s.
 *
 * Its helper functions (some thirty) are defined once per script call, not once per add: a
 * script that adds several jobs (the receiver's batched admission) would otherwise create them
 * as closures again for each (measured ~20k Redis instructions per add). The top-level locals
 * that the helpers may share (`rcall`, and any a helper names other than as its parameter, see
 * `namesHelpersShare`) are declared beside them and assigned afresh by each add (`nil` for those
 * BullMQ declares without a value); the rest stay the add's own locals. Adds run one after
 * another, so each sees exactly what a script of its own would. Throws if BullMQ's add is not
 * laid out as locals, helpers, body (`addStandardJobParts`), or its helpers read KEYS or ARGV.
 *
 * ARGV[1] and ARGV[3] are the Lua tables BullMQ would unpack from its msgpack arguments (the
 * argument array and the options), not msgpack strings: the wrapper reads them where BullMQ's
 * add unpacks them, so a caller in Lua skips a pack and an unpack of each (measured: 12 % of the
 * admission script's instructions in Redis; an identity `cmsgpack.unpack` in its place cost a
 * closure, an upvalue and two calls per add more). Throws if BullMQ's add uses msgpack any other
 * way.
 *
 * The wrapper's third argument, when not nil, is the options table's JSON as `cjson.encode`
 * would write it (the same object; key order aside): BullMQ's `cjson.encode(opts)` of the job
 * hash's `opts` field then returns it instead of walking the table (measured: 7 % of the
 * admission's instructions in Redis, most of it formatting numbers). Throws if BullMQ's add
 * assigns into the options, which would make that JSON stale.
 *
 * `memoizeIf`, a Lua condition evaluated once per script call before any add (default: always):
 * when it holds, the helpers whose result no add of the call can change are memoized for the call
 * (`MEMOIZED_HELPERS`: the meta hash's two reads and the marker's ZADD, three of the nine
 * commands an add runs; measured 229k → 213k Redis instructions per admission at 32 a call). A
 * call of one add gains nothing from them and would pay for their closures (measured +8k).
 */
export function bullmqAddStandardJobLua(options: { memoizeIf?: string } = {}): string {
  const { addStandardJob } = require("bullmq/dist/cjs/scripts/addStandardJob-9.js") as ScriptModule;
  if (addStandardJob.name !== ADD_STANDARD_JOB || addStandardJob.keys !== ADD_STANDARD_JOB_KEYS) {
    throw new Error(`unexpected BullMQ script ${addStandardJob.name}-${addStandardJob.keys}`);
  }
  const msgpackUses = addStandardJob.content.match(/cmsgpack\.\w+\([^)]*\)/g) ?? [];
  if (msgpackUses.join() !== ADD_STANDARD_JOB_UNPACKS.join()) {
    throw new Error(`BullMQ's ${ADD_STANDARD_JOB} uses msgpack as ${msgpackUses.join(", ") || "nothing"}`);
  }
  if (OPTS_ASSIGNMENT.test(addStandardJob.content)) {
    throw new Error(`BullMQ's ${ADD_STANDARD_JOB} changes the job options it encodes`);
  }
  // Its two unpacks read the tables as they come.
  const content = addStandardJob.content.replace(/cmsgpack\.unpack\((ARGV\[[13]\])\)/g, "$1");
  if (/\bcmsgpack\b/.test(content)) throw new Error(`BullMQ's ${ADD_STANDARD_JOB} names msgpack otherwise`);
  const { locals, helpers, body } = addStandardJobParts(content);
  const wrapperNames = ["KEYS", "ARGV", "optsJson", "cjson", "addOpts", "addOptsJson"];
  if (locals.some(({ name }) => wrapperNames.includes(name))) {
    throw new Error(`BullMQ's ${ADD_STANDARD_JOB} declares a local the wrapper needs`);
  }
  if (namesHelpersShare(helpers, ["KEYS", "ARGV"]).size > 0) {
    throw new Error(`BullMQ's ${ADD_STANDARD_JOB} reads KEYS or ARGV in its helpers`);
  }
  // Only the locals the helpers share live beside them; the rest stay the add's own locals,
  // which Lua keeps in registers (each shared one costs every script call an upvalue).
  const shared = namesHelpersShare(
    helpers,
    locals.map(({ name }) => name),
  );
  const prelude = locals
    .map(({ name, value }) =>
      shared.has(name)
        ? `${name} = ${value ?? "nil"}\n`
        : `local ${name}${value === null ? "" : ` = ${value}`}\n`,
    )
    .join("");
  return (
    "local bullmqAddStandardJob\n" +
    "do\n" +
    "local addOpts, addOptsJson\n" +
    "local cjson = {decode = cjson.decode, encode = function(value)\n" +
    "  if addOptsJson ~= nil and value == addOpts then return addOptsJson end\n" +
    "  return cjson.encode(value)\n" +
    "end}\n" +
    (shared.size > 0 ? `local ${[...shared].join(", ")}\n` : "") +
    `${helpers}\n` +
    `if ${options.memoizeIf ?? "true"} then\n${memoizedHelpersLua(helpers)}end\n` +
    "bullmqAddStandardJob = function(KEYS, ARGV, optsJson)\n" +
    "addOpts, addOptsJson = ARGV[3], optsJson\n" +
    prelude +
    `${body}\nend\n` +
    "end\n"
  );
}

// A read of one option by name, from the options table or a helper's `fullOpts` parameter.
const OPTION_READ = /\b(?:opts|fullOpts)\s*(?:\[\s*['"](\w+)['"]\s*\]|\.(\w+))/g;
// Ways of reaching options without naming them, which `bullmqAddStandardJobOptionReads` cannot list.
const OPTIONS_WALKED =
  /\b(?:i?pairs|next|unpack)\s*\(\s*(?:opts|fullOpts)\b|\[\s*(?:opts|fullOpts)\s*\]|\b(?:opts|fullOpts)\s*\[\s*[^'"\s]/;

/**
 * The options BullMQ's add reads by name (`opts['lifo']`, `fullOpts['delay']`, …), apart from
 * encoding them whole with `cjson.encode`. A caller that supplies the options' JSON (the
 * wrapper's third argument) needs to give the table only these. Throws if BullMQ's add reaches
 * the options any other way (iterating them, or a computed field name).
 */
export function bullmqAddStandardJobOptionReads(): ReadonlySet<string> {
  const { addStandardJob } = require("bullmq/dist/cjs/scripts/addStandardJob-9.js") as ScriptModule;
  const walked = OPTIONS_WALKED.exec(addStandardJob.content);
  if (walked !== null) throw new Error(`BullMQ's ${ADD_STANDARD_JOB} reads its options as ${walked[0]}`);
  return new Set(
    [...addStandardJob.content.matchAll(OPTION_READ)].map(([, quoted, dotted]) => (quoted ?? dotted)!),
  );
}

/**
 * BullMQ's Lua helper functions (`commands/includes/*.lua`, which BullMQ ships for scripts
 * built on its data layout), read from the installed BullMQ with their own `@include`s
 * resolved the way BullMQ's build resolves them: each file once, after the files it includes,
 * so every `local function` is defined before the functions that call it. Scripts that mirror
 * BullMQ's moves use these instead of copies, and follow BullMQ on upgrade.
 */
export function bullmqLuaIncludes(names: readonly string[]): string {
  const directory = join(bullmqCommandsDirectory(), "includes");
  const done = new Set<string>();
  const visiting = new Set<string>();
  const parts: string[] = [];
  const visit = (included: string): void => {
    const name = included.replace(/^includes\//, "");
    if (done.has(name)) return;
    if (visiting.has(name)) throw new Error(`BullMQ Lua include cycle at ${name}`);
    visiting.add(name);
    const source = readFileSync(join(directory, `${name}.lua`), "utf8");
    for (const [, included] of source.matchAll(INCLUDE)) visit(included!);
    parts.push(source.replace(INCLUDE, ""));
    visiting.delete(name);
    done.add(name);
  };
  for (const name of names) visit(name);
  return parts.join("\n");
}

/** Where the installed BullMQ keeps its raw Lua scripts (`<name>-<keys>.lua`) and `includes/`. */
export function bullmqCommandsDirectory(): string {
  return join(dirname(require.resolve("bullmq/package.json")), "dist/cjs/commands");
}

/** The installed BullMQ's version. */
export function bullmqVersion(): string {
  return (require("bullmq/package.json") as { version: string }).version;
}

/** A script written on BullMQ's layout, as ioredis's `defineCommand` takes it. */
export interface LuaCommand {
  name: string;
  numberOfKeys: number;
  lua: string;
}

/**
 * One of this package's `commands/<name>-<keys>.lua` scripts, named and laid out as BullMQ
 * names and lays out its own, with its `--- @include "includes/…"` lines replaced by the
 * installed BullMQ's helpers (`bullmqLuaIncludes`).
 */
export function loadLuaCommand(file: string): LuaCommand {
  const match = COMMAND_FILE.exec(file);
  if (match === null) throw new Error(`${file}: expected <name>-<numberOfKeys>.lua`);
  const source = readFileSync(new URL(file, COMMANDS), "utf8");
  const names = [...source.matchAll(INCLUDE)].map(([, name]) => name!);
  let inlined = false;
  const lua = source.replace(INCLUDE, () => {
    if (inlined) return "";
    inlined = true;
    return bullmqLuaIncludes(names);
  });
  return { name: match[1]!, numberOfKeys: Number(match[2]), lua };
}
