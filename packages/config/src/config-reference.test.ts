import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { collectVariables, renderConfigReference } from "./config-reference";
import { configReferencePath } from "./config-reference-path";

describe("docs/configuration.md", () => {
  it("describes every environment variable of every process", () => {
    const undescribed = [...collectVariables()].flatMap(([variable, docs]) =>
      docs.filter((doc) => !doc.description).map((doc) => `${variable} (${doc.process})`),
    );
    expect(undescribed, `give each a .describe() text in packages/config, then run pnpm docs:config`).toEqual(
      [],
    );
  });

  it("is what pnpm docs:config writes from the schemas", () => {
    const committed = readFileSync(configReferencePath, "utf8");
    expect(
      committed === renderConfigReference(),
      "docs/configuration.md is stale: run pnpm docs:config",
    ).toBe(true);
  });
});
