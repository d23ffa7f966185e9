import { describe, expect, it } from "vitest";
import { bullmqLuaIncludes } from "./bullmq-lua";

const definedFunctions = (lua: string) => [...lua.matchAll(/^local function (\w+)/gm)].map((m) => m[1]);

describe("bullmqLuaIncludes", () => {
  it("inlines what each helper includes, once, before the helper that calls it", () => {
    const lua = bullmqLuaIncludes(["removeJobsByMaxCount", "removeJobsByMaxAge", "removeJob"]);
    const functions = definedFunctions(lua);
    expect(new Set(functions).size).toBe(functions.length);
    for (const [callee, caller] of [
      ["removeJobKeys", "removeJob"],
      ["removeParentDependencyKey", "removeJob"],
      ["removeJob", "removeJobsByMaxCount"],
      ["batches", "removeJobsByMaxAge"],
    ] as const) {
      expect(functions.indexOf(callee), `${callee} before ${caller}`).toBeGreaterThanOrEqual(0);
      expect(functions.indexOf(callee)).toBeLessThan(functions.indexOf(caller));
    }
    expect(lua).not.toContain("@include");
  });

  it("fails loudly on a helper the installed BullMQ does not ship", () => {
    expect(() => bullmqLuaIncludes(["noSuchHelper"])).toThrow(/noSuchHelper\.lua/);
  });
});
