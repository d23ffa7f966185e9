// `pnpm docs:config`: writes docs/configuration.md from the environment schemas.
import { writeFileSync } from "node:fs";
import { renderConfigReference } from "./config-reference";
import { configReferencePath } from "./config-reference-path";

writeFileSync(configReferencePath, renderConfigReference());
process.stdout.write(`wrote ${configReferencePath}\n`);
