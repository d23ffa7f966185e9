import { cpSync, existsSync } from "node:fs";
import { defineConfig } from "tsup";

/**
 * The build of every app (`tsup --config ../../tsup.config.ts` in apps/*). Workspace packages
 * ship TypeScript source, so they are bundled in; npm dependencies stay external. The queue's
 * Lua scripts are read at run time from `commands/` beside the module, which in a bundle is
 * `dist/`, so they are copied there; so are an app's `src/static/` files (the console's
 * stylesheet and script).
 */
export default defineConfig({
  entry: ["src/main.ts"],
  format: ["esm"],
  platform: "node",
  target: "node20",
  sourcemap: true,
  clean: true,
  noExternal: [/^@orderhook\//],
  async onSuccess() {
    cpSync("../../packages/queue/src/commands", "dist/commands", { recursive: true });
    if (existsSync("src/static")) cpSync("src/static", "dist/static", { recursive: true });
  },
});
