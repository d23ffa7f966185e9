import { fileURLToPath } from "node:url";

/** docs/configuration.md in this checkout. */
export const configReferencePath = fileURLToPath(new URL("../../../docs/configuration.md", import.meta.url));
