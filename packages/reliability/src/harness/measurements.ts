import { appendFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Where measured figures go (one JSON line per scenario); docs/reliability.md quotes them. */
export const MEASUREMENTS_FILE =
  process.env.FAULT_MEASUREMENTS_FILE ?? join(tmpdir(), "orderhook-fault-measurements.jsonl");

/** Figures a scenario measured: printed and appended to MEASUREMENTS_FILE, never asserted on. */
export function recordMeasurement(scenario: string, figures: Record<string, unknown>): void {
  const line = JSON.stringify({ scenario, at: new Date().toISOString(), ...figures });
  console.info(`[fault-suite] ${line}`);
  appendFileSync(MEASUREMENTS_FILE, `${line}\n`);
}
