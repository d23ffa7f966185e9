import { mkdir, readFile, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { capacityMarkdown, measuredMarkdown, replaceBlock } from "./scale-report";
import type { ScaleResults } from "./scale-results";

const DOCS = fileURLToPath(new URL("../../../../docs/", import.meta.url));

/** A full `--scale` run's record: docs/benchmarks/scale.json and the two generated blocks of docs/scaling.md. */
export async function writeScalingDocs(results: ScaleResults): Promise<string[]> {
  const json = `${DOCS}benchmarks/scale.json`;
  const md = `${DOCS}scaling.md`;
  await mkdir(`${DOCS}benchmarks/`, { recursive: true });
  await writeFile(json, `${JSON.stringify(results, null, 2)}\n`);
  let text = await readFile(md, "utf8");
  text = replaceBlock(text, "scale", measuredMarkdown(results));
  text = replaceBlock(text, "capacity", capacityMarkdown(results));
  await writeFile(md, text);
  return [json, md];
}
