import { mkdir, readFile, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { burstCapacityMarkdown } from "./burst-capacity-report";
import { capacityMarkdown, measuredMarkdown, replaceBlock } from "./scale-report";
import type { ScaleResults } from "./scale-results";

const DOCS = fileURLToPath(new URL("../../../../docs/", import.meta.url));

/**
 * A full `--scale` run's record: docs/benchmarks/scale.json and the generated blocks of
 * docs/scaling.md; `--burst-capacity` alone rewrites only its block and
 * docs/benchmarks/burst-capacity.json.
 */
export async function writeScalingDocs(results: ScaleResults): Promise<string[]> {
  const md = `${DOCS}scaling.md`;
  const json = `${DOCS}benchmarks/${results.phases.length > 0 ? "scale" : "burst-capacity"}.json`;
  await mkdir(`${DOCS}benchmarks/`, { recursive: true });
  await writeFile(json, `${JSON.stringify(results, null, 2)}\n`);
  await writeFile(md, scalingDocText(await readFile(md, "utf8"), results));
  return [json, md];
}

/** docs/scaling.md with the blocks this run measured replaced, the others left as they were. */
export function scalingDocText(text: string, results: ScaleResults): string {
  let out = text;
  if (results.phases.length > 0) {
    out = replaceBlock(out, "scale", measuredMarkdown(results));
    out = replaceBlock(out, "capacity", capacityMarkdown(results));
  }
  if (results.burstCapacity) {
    out = replaceBlock(out, "burst-capacity", burstCapacityMarkdown(results.burstCapacity, results));
  }
  return out;
}
