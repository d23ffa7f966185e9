import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import { CliContext, type CliIo } from "./cli-context";
import { buildProgram } from "./run-cli";

/** docs/cli.md in this checkout. */
export const cliReferencePath = fileURLToPath(new URL("../../../docs/cli.md", import.meta.url));

const BEGIN =
  "<!-- BEGIN: written by `pnpm docs:cli` from apps/cli/src/commands; edit those, then run it -->";
const END = "<!-- END: written by `pnpm docs:cli` -->";

/** The CLI's commands as `--help` knows them; nothing is opened (commands connect on first use). */
export function referenceProgram(): Command {
  const io: CliIo = { env: {}, stdout: { write: () => true }, stderr: { write: () => true } };
  return buildProgram(new CliContext(io, false), io);
}

/** Commands that run something (not groups), with their full names. */
function leaves(command: Command, prefix: string[] = []): { name: string; command: Command }[] {
  return command.commands.flatMap((sub) => {
    const path = [...prefix, sub.name()];
    return sub.commands.length > 0 ? leaves(sub, path) : [{ name: path.join(" "), command: sub }];
  });
}

/** Every command takes --json: said once in the prose, not on every row. */
const options = (command: Command) => command.options.filter((o) => !o.hidden && o.long !== "--json");

function synopsis(name: string, command: Command): string {
  const args = command.registeredArguments.map((a) => {
    const text = `${a.name()}${a.variadic ? "…" : ""}`;
    return a.required ? `<${text}>` : `[${text}]`;
  });
  return [name, ...args, ...options(command).map((o) => (o.mandatory ? o.flags : `[${o.flags}]`))].join(" ");
}

function cell(text: string): string {
  return text.replaceAll("|", "\\|");
}

function parameters(command: Command): string[] {
  const rows = [
    ...command.registeredArguments.map((a) => [
      a.required ? `\`<${a.name()}>\`` : `\`[${a.name()}]\``,
      a.required ? "required" : "optional",
      a.description,
    ]),
    ...options(command).map((o) => [
      `\`${o.flags}\``,
      o.mandatory ? "required" : o.defaultValue === undefined ? "" : `\`${String(o.defaultValue)}\``,
      o.description,
    ]),
  ];
  if (rows.length === 0) return [];
  return [
    "| argument or option | default | meaning |",
    "|---|---|---|",
    ...rows.map((row) => `| ${row.map(cell).join(" | ")} |`),
  ];
}

/** The generated part of docs/cli.md: a table of every command, then each one's arguments and options. */
export function renderCliReference(program: Command): string {
  const commands = leaves(program);
  const lines = ["| command | does |", "|---|---|"];
  for (const { name, command } of commands) {
    lines.push(`| \`${cell(synopsis(name, command))}\` | ${cell(command.description())} |`);
  }
  for (const { name, command } of commands) {
    lines.push("", `### \`${name}\``, "", command.description());
    const table = parameters(command);
    if (table.length > 0) lines.push("", ...table);
  }
  return lines.join("\n");
}

/** `doc` with its generated part replaced by the current reference. */
export function withCliReference(doc: string, program: Command): string {
  const begin = doc.indexOf(BEGIN);
  const end = doc.indexOf(END);
  if (begin === -1 || end < begin) throw new Error(`docs/cli.md lacks the markers ${BEGIN} … ${END}`);
  return `${doc.slice(0, begin + BEGIN.length)}\n\n${renderCliReference(program)}\n\n${doc.slice(end)}`;
}
