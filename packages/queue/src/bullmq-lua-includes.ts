import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const INCLUDE = /^--- @include "([^"]+)"[ \t]*$/gm;

/**
 * BullMQ's Lua helper functions (`commands/includes/*.lua`, which BullMQ ships for scripts
 * built on its data layout), read from the installed BullMQ with their own `@include`s
 * resolved the way BullMQ's build resolves them: each file once, after the files it includes,
 * so every `local function` is defined before the functions that call it. Scripts that mirror
 * BullMQ's moves use these instead of copies, and follow BullMQ on upgrade.
 */
export function bullmqLuaIncludes(names: readonly string[]): string {
  const require = createRequire(import.meta.url);
  const directory = join(dirname(require.resolve("bullmq/package.json")), "dist/cjs/commands/includes");
  const done = new Set<string>();
  const visiting = new Set<string>();
  const parts: string[] = [];
  const visit = (name: string) => {
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
