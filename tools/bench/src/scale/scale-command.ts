import { writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BenchOptions } from "../bench-options";
import { textTable } from "../report/text-table";
import { burstCapacityTable, burstCapacityVerified } from "./burst-capacity-report";
import { runScale } from "./run-scale";
import { scaleTables } from "./scale-report";
import { writeScalingDocs } from "./write-scaling-docs";

/**
 * `pnpm bench --scale` (and `--burst-capacity`, alone or with it): prints the tables; a full run
 * writes docs/scaling.md, a quick one (or `--out`) JSON.
 */
export async function runScaleCommand(options: BenchOptions, command: string): Promise<void> {
  const results = await runScale(options, command).catch((error: unknown) => {
    console.error(`pnpm bench --scale failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
  const tables = [
    ...(results.phases.length > 0 ? scaleTables(results) : []),
    ...(results.burstCapacity ? [burstCapacityTable(results.burstCapacity)] : []),
  ];
  for (const table of tables) {
    console.log(`\n${table.title}\n${textTable(table.headers, table.rows)}`);
  }
  const fullRun = !options.quick && options.out === null;
  if (fullRun) {
    console.log(`\nresults: ${(await writeScalingDocs(results)).join(", ")}`);
  } else {
    const out = options.out ?? join(tmpdir(), `orderhook-bench-scale-${options.runId}.json`);
    await writeFile(out, `${JSON.stringify(results, null, 2)}\n`);
    console.log(`\nresults: ${out}`);
  }
  // A phase that could not run is reported, not fatal; a measured phase that lost rows is.
  const short = results.phases.filter((p) => p.kind === "drain" && p.rows < p.jobs);
  if (short.length > 0) {
    console.error(`rows missing after: ${short.map((p) => p.name).join(", ")}`);
    process.exitCode = 1;
  }
  if (results.burstCapacity && !burstCapacityVerified(results.burstCapacity)) {
    console.error("burst capacity: a burst lost or duplicated rows");
    process.exitCode = 1;
  }
  if (options.burstCapacity && !results.burstCapacity) process.exitCode = 1;
}
