import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { cliReferencePath, referenceProgram, renderCliReference, withCliReference } from "./cli-reference";

describe("docs/cli.md", () => {
  it("is what pnpm docs:cli writes from the commander definitions", () => {
    const committed = readFileSync(cliReferencePath, "utf8");
    expect(
      committed === withCliReference(committed, referenceProgram()),
      "docs/cli.md is stale: run pnpm docs:cli",
    ).toBe(true);
  });

  it("lists every command with its arguments, options and defaults", () => {
    const reference = renderCliReference(referenceProgram());
    expect(reference).toContain("| `db migrate` |");
    expect(reference).toContain("| `jobs retry [id] [--all]` |");
    expect(reference).toContain("| `--limit <n>` | `20` | how many (1-1000) |");
    expect(reference).toContain("| `--account <id>` | required | broker account id |");
    expect(reference).not.toContain("--json");
  });
});
