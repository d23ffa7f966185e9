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

/**
 * BullMQ's `addStandardJob` Lua (its includes already inlined by BullMQ's build), wrapped as
 * the local function `bullmqAddStandardJob(KEYS, ARGV)`, so that another script can add a job
 * exactly as `Queue.add` does, in the same atomic step as its own checks. Taken from the
 * installed BullMQ, never copied: an upgrade brings its script along, and the conformance test
 * (apps/receiver/src/admission-conformance.int.test.ts) compares the result with `Queue.add`'s.
 *
 * ARGV[1] and ARGV[3] are the Lua tables BullMQ would unpack from its msgpack arguments (the
 * argument array and the options), not msgpack strings: inside the wrapper `cmsgpack.unpack` is
 * the identity, so a caller in Lua skips a pack and an unpack of each (measured: 12 % of the
 * admission script's instructions in Redis). Throws if BullMQ's add uses msgpack any other way.
 *
 * The wrapper's third argument, when not nil, is the options table's JSON as `cjson.encode`
 * would write it (the same object; key order aside): BullMQ's `cjson.encode(opts)` of the job
 * hash's `opts` field then returns it instead of walking the table (measured: 7 % of the
 * admission's instructions in Redis, most of it formatting numbers). Throws if BullMQ's add
 * assigns into the options, which would make that JSON stale.
 */
export function bullmqAddStandardJobLua(): string {
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
  return (
    "local function bullmqAddStandardJob(KEYS, ARGV, optsJson)\n" +
    "local cmsgpack = {unpack = function(unpacked) return unpacked end}\n" +
    "local cjson = optsJson == nil and cjson or {decode = cjson.decode, encode = function(value)\n" +
    "  if value == ARGV[3] then return optsJson end\n" +
    "  return cjson.encode(value)\n" +
    "end}\n" +
    `${addStandardJob.content}\nend\n`
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
