// `pnpm docs:cli`: rewrites the generated part of docs/cli.md from the commander definitions.
import { readFileSync, writeFileSync } from "node:fs";
import { cliReferencePath, referenceProgram, withCliReference } from "./cli-reference";

writeFileSync(cliReferencePath, withCliReference(readFileSync(cliReferencePath, "utf8"), referenceProgram()));
process.stdout.write(`wrote ${cliReferencePath}\n`);
