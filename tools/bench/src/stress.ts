/** `pnpm stress`: mixed traffic, bursts, duplicates and bad requests; zero 5xx, zero lost, zero duplicated. */
import { writeFile } from "node:fs/promises";
import { shellQuote } from "./report/shell-quote";
import { textTable } from "./report/text-table";
import { runStress } from "./stress/run-stress";
import { parseStressOptions } from "./stress-options";

const options = parseStressOptions(process.argv.slice(2));
const command = ["pnpm stress", ...process.argv.slice(2).map(shellQuote)].join(" ");
const results = await runStress(options, command).catch((error: unknown) => {
  // One line, not a stack: the usual causes (apps not built, a server that would not start) say what to do.
  console.error(`pnpm stress failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});

const describe = (outcomes: Record<string, number>) =>
  Object.entries(outcomes)
    .map(([key, n]) => `${key} ×${n}`)
    .join(", ") || "none";
console.log(
  `\n${textTable(
    ["traffic", "what", "sent", "answers", "unexpected"],
    results.scenarios.map((s) => [
      s.name,
      s.description,
      String(s.sent),
      describe(s.outcomes),
      describe(s.unexpected),
    ]),
  )}`,
);
const a = results.accounting;
console.log(`
requests ${results.requests} · 5xx ${results.serverErrors} · unexpected answers ${results.unexpected}
bursts at 2× the limit: ${Math.round(results.burstRefused * 100)}% refused (429)
accounting: acked ${a.acked}, rows ${a.rows}, lost ${a.lost}, duplicated ${a.duplicated + results.splitKeys}, rows without ack ${a.unacknowledged}
${results.ok ? "OK" : "FAILED"}`);
if (options.out) {
  await writeFile(options.out, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`results: ${options.out}`);
}
process.exitCode = results.ok ? 0 : 1;
