/** `pnpm bench`: orderhook against the bare-Hono floor and the old synchronous design, side by side. */
import { writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseBenchOptions } from "./bench-options";
import { resultSections } from "./report/result-sections";
import { shellQuote } from "./report/shell-quote";
import { textTable } from "./report/text-table";
import { writeBenchmarkDocs } from "./report/write-benchmark-docs";
import { runBench } from "./run-bench";
import { runScaleCommand } from "./scale/scale-command";

const options = parseBenchOptions(process.argv.slice(2));
const command = ["pnpm bench", ...process.argv.slice(2).map(shellQuote)].join(" ");
if (options.scale || options.burstCapacity) {
  await runScaleCommand(options, command);
  process.exit(process.exitCode ?? 0);
}
const results = await runBench(options, command).catch((error: unknown) => {
  // One line, not a stack: the usual causes (apps not built, a server that would not start) say what to do.
  console.error(`pnpm bench failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});

for (const section of resultSections(results)) {
  console.log(`\n${section.title}\n${textTable(section.headers, section.rows)}`);
}
const { receiverVsFloor, orderhookVsBaseline, receiverVsFloorByCpu } = results.ratios;
console.log(
  `\nratios: receiver/floor peak ${receiverVsFloor ?? "—"} (by CPU per answer ${receiverVsFloorByCpu ?? "—"}), orderhook/old design ${orderhookVsBaseline ?? "—"}×`,
);
const fullRun = !options.quick && options.out === null;
const out = options.out ?? (fullRun ? null : join(tmpdir(), `orderhook-bench-${options.runId}.json`));
if (out) {
  await writeFile(out, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`\nresults: ${out}`);
} else {
  const written = await writeBenchmarkDocs(results);
  console.log(`\nresults: ${written.join(", ")}`);
}
const accountings = [
  results.orderhook?.accounting,
  results.burst?.warmupAccounting,
  ...(results.burst?.bursts.map((b) => b.orderhook?.accounting) ?? []),
];
process.exitCode = accountings.some((a) => a && (a.lost > 0 || a.duplicated > 0)) ? 1 : 0;
