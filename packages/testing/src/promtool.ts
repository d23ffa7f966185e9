import { spawnSync } from "node:child_process";

/**
 * What `promtool check metrics` (Debian's `prometheus` package; `.ci/run` installs it) finds
 * wrong in a Prometheus text exposition: one entry per finding, none when the text is clean.
 */
export function promtoolFindings(metricsText: string): string[] {
  const check = spawnSync("promtool", ["check", "metrics"], { input: metricsText, encoding: "utf8" });
  if (check.error !== undefined) {
    throw new Error(`promtool could not run (apt-get install prometheus): ${check.error.message}`);
  }
  const findings = `${check.stdout}${check.stderr}`.split("\n").filter((line) => line.trim() !== "");
  if (check.status !== 0 && findings.length === 0) findings.push(`promtool exited ${check.status}`);
  return findings;
}
