import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { bullmqCommandsDirectory, bullmqVersion } from "./bullmq-lua";

/**
 * What `commands/takeJobs-11.lua` and `commands/completeJobs-7.lua` were written against: the
 * BullMQ version, and a SHA-256 over the text of the BullMQ scripts whose moves they mirror and
 * of every helper those scripts or ours include. Re-mirror, then update this.
 */
const MIRRORED = {
  bullmq: "6.7.0",
  fingerprint: "781e85766a2ec8585758d8750febeedd51d88a95a0ada0528c8a595b2725c110",
};

/** BullMQ scripts whose bodies take and complete copy (the helpers they call are included, not copied). */
const MIRRORED_SCRIPTS = ["moveToActive-11.lua", "moveToFinished-14.lua"];
const OUR_COMMANDS = ["takeJobs-11.lua", "completeJobs-7.lua"];
const INCLUDE = /^--- @include "(?:includes\/)?([^"]+)"/gm;

function includesOf(text: string): string[] {
  return [...text.matchAll(INCLUDE)].map(([, name]) => `includes/${name}.lua`);
}

/** Path (under BullMQ's commands directory) → text, for the mirrored scripts and every include reached. */
function installedSources(): Map<string, string> {
  const directory = bullmqCommandsDirectory();
  const sources = new Map<string, string>();
  const visit = (path: string): void => {
    if (sources.has(path)) return;
    const text = readFileSync(join(directory, path), "utf8");
    sources.set(path, text);
    for (const included of includesOf(text)) visit(included);
  };
  for (const script of MIRRORED_SCRIPTS) visit(script);
  for (const command of OUR_COMMANDS) {
    for (const included of includesOf(
      readFileSync(new URL(`./commands/${command}`, import.meta.url), "utf8"),
    ))
      visit(included);
  }
  return sources;
}

/** One hash over every file, in path order: path, NUL, text, NUL. */
function fingerprint(sources: Map<string, string>): string {
  const hash = createHash("sha256");
  for (const path of [...sources.keys()].sort()) hash.update(`${path}\0${sources.get(path)}\0`);
  return hash.digest("hex");
}

describe("the BullMQ scripts take and complete mirror", () => {
  it("are the installed BullMQ's, unchanged since they were mirrored", () => {
    const installed = bullmqVersion();
    const sources = installedSources();
    const now = fingerprint(sources);
    if (installed !== MIRRORED.bullmq || now !== MIRRORED.fingerprint) {
      const what =
        now === MIRRORED.fingerprint
          ? `its scripts read as ${MIRRORED.bullmq}'s did`
          : `moveToActive, moveToFinished or their helpers changed since ${MIRRORED.bullmq}`;
      expect.fail(
        `re-mirror take/complete for bullmq ${installed}: ${what}. Compare packages/queue/src/commands/*.lua ` +
          `with ${[...sources.keys()].sort().join(", ")}; then set MIRRORED in ` +
          `packages/queue/src/bullmq-mirror.test.ts to ${JSON.stringify({ bullmq: installed, fingerprint: now })}`,
      );
    }
  });
});
