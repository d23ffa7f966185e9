import { readFileSync } from "node:fs";
import { dirname, join, posix } from "node:path";
import { fileURLToPath } from "node:url";
import { Copy, DockerfileParser, type Instruction, ModifiableInstruction } from "dockerfile-ast";

/** The repository root: the deploy files live there, next to package.json. */
export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

export function readRepoFile(path: string): string {
  return readFileSync(join(repoRoot, path), "utf8");
}

export interface DockerInstruction {
  keyword: string;
  /** Arguments without flags, as the Dockerfile spells them. */
  args: string;
  flags: Record<string, string | null>;
}

export interface DockerStage {
  name: string;
  from: string;
  instructions: DockerInstruction[];
}

export interface ParsedDockerfile {
  /** ARGs declared before the first FROM, with their defaults. */
  globalArgs: Record<string, string | undefined>;
  stages: DockerStage[];
}

function toInstruction(instruction: Instruction): DockerInstruction {
  const flags: Record<string, string | null> = {};
  if (instruction instanceof ModifiableInstruction) {
    for (const flag of instruction.getFlags()) flags[flag.getName()] = flag.getValue();
  }
  if (instruction instanceof Copy) {
    const from = instruction.getFromFlag();
    if (from) flags.from = from.getValue();
  }
  return { keyword: instruction.getKeyword(), args: instruction.getArgumentsContent() ?? "", flags };
}

export function parseDockerfile(text: string): ParsedDockerfile {
  const dockerfile = DockerfileParser.parse(text);
  const globalArgs: Record<string, string | undefined> = {};
  for (const arg of dockerfile.getInitialARGs()) {
    const property = arg.getProperty();
    if (property) globalArgs[property.getName()] = property.getValue() ?? undefined;
  }
  const stages: DockerStage[] = [];
  for (const instruction of dockerfile.getInstructions()) {
    if (instruction.getKeyword() === "FROM") {
      const [from = "", , name] = (instruction.getArgumentsContent() ?? "").split(/\s+/);
      stages.push({ name: name ?? from, from, instructions: [] });
      continue;
    }
    stages.at(-1)?.instructions.push(toInstruction(instruction));
  }
  return { globalArgs, stages };
}

export function stage(dockerfile: ParsedDockerfile, name: string): DockerStage {
  const found = dockerfile.stages.find((s) => s.name === name);
  if (!found) throw new Error(`Dockerfile has no stage "${name}"`);
  return found;
}

/** The stage and its ancestors, nearest first, following `FROM <stage>`. */
export function lineage(dockerfile: ParsedDockerfile, name: string): DockerStage[] {
  const chain: DockerStage[] = [];
  let current: DockerStage | undefined = stage(dockerfile, name);
  while (current) {
    chain.push(current);
    const parent: string = current.from;
    current = dockerfile.stages.find((s) => s.name === parent);
  }
  return chain;
}

/** The last value of `keyword` in the stage or, failing that, in the stages it builds on. */
export function effective(
  dockerfile: ParsedDockerfile,
  name: string,
  keyword: string,
): DockerInstruction | undefined {
  for (const s of lineage(dockerfile, name)) {
    const found = s.instructions.filter((i) => i.keyword === keyword).at(-1);
    if (found) return found;
  }
  return undefined;
}

/** Where each `COPY` of the stage and its ancestors lands in the image, as an absolute path. */
export function copiedPaths(dockerfile: ParsedDockerfile, name: string): Map<string, string> {
  const landed = new Map<string, string>();
  // A stage inherits its parent's WORKDIR.
  let workdir = "/";
  for (const s of lineage(dockerfile, name).reverse()) {
    for (const instruction of s.instructions) {
      if (instruction.keyword === "WORKDIR") workdir = posix.resolve(workdir, instruction.args);
      if (instruction.keyword !== "COPY") continue;
      const parts = instruction.args.split(/\s+/);
      const destination = parts.at(-1) ?? ".";
      for (const source of parts.slice(0, -1)) {
        const key = instruction.flags.from ? `${instruction.flags.from}:${source}` : source;
        landed.set(key, posix.resolve(workdir, destination));
      }
    }
  }
  return landed;
}

/** The JSON (exec) form of CMD or of HEALTHCHECK's CMD, or undefined for the shell form. */
export function execForm(instruction: DockerInstruction | undefined): string[] | undefined {
  if (!instruction) return undefined;
  const json =
    instruction.keyword === "HEALTHCHECK" ? instruction.args.replace(/^CMD\s+/, "") : instruction.args;
  try {
    const parsed: unknown = JSON.parse(json);
    return Array.isArray(parsed) && parsed.every((p) => typeof p === "string") ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function globToRegExp(pattern: string): RegExp {
  let source = "";
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i] ?? "";
    if (pattern.startsWith("**/", i)) {
      source += "(?:.*/)?";
      i += 2;
    } else if (pattern.startsWith("**", i)) {
      source += ".*";
      i += 1;
    } else if (char === "*") source += "[^/]*";
    else if (char === "?") source += "[^/]";
    else source += char.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${source}$`);
}

/**
 * Docker's .dockerignore rules: a pattern excludes the path it matches and everything under
 * it, `**` spans directories, `!` re-includes, and the last matching pattern wins.
 */
export function dockerignore(text: string): (path: string) => boolean {
  const rules = text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith("#"))
    .map((line) => {
      const include = line.startsWith("!");
      const pattern = posix.normalize(include ? line.slice(1) : line).replace(/^\/+|\/+$/g, "");
      return { include, regexp: globToRegExp(pattern) };
    });
  return function isExcluded(path: string): boolean {
    const parts = posix.normalize(path).split("/");
    const prefixes = parts.map((_, i) => parts.slice(0, i + 1).join("/"));
    let excluded = false;
    for (const rule of rules) {
      if (prefixes.some((prefix) => rule.regexp.test(prefix))) excluded = !rule.include;
    }
    return excluded;
  };
}
