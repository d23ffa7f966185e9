import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { hostileRequests } from "./hostile-requests";

describe("hostileRequests", () => {
  it("covers every kind of abuse and sends JSON, text/plain and no content type", () => {
    const sample = fc.sample(hostileRequests(), { numRuns: 3_000, seed: 42 });
    const kinds = new Set(sample.map((r) => r.kind.replace(/ \(.*\)$/, "")));
    expect([...kinds].sort()).toEqual([
      "alert-shaped JSON",
      "broken JSON",
      "deep nesting",
      "empty",
      "huge numbers",
      "odd encoding",
      "prototype and duplicate keys",
      "random JSON",
      "random bytes",
      "random text",
    ]);
    const types = new Set(sample.map((r) => r.contentType));
    for (const type of ["application/json", "text/plain", null]) expect(types, String(type)).toContain(type);
    expect(sample.every((r) => r.body instanceof Uint8Array)).toBe(true);
  });

  it("includes deep nesting both under and over a 64 KiB body limit", () => {
    const deep = fc
      .sample(hostileRequests(), { numRuns: 3_000, seed: 7 })
      .filter((r) => r.kind === "deep nesting")
      .map((r) => r.body.length);
    expect(
      deep.some((size) => size < 65_536),
      deep.join(","),
    ).toBe(true);
    expect(
      deep.some((size) => size > 65_536),
      deep.join(","),
    ).toBe(true);
  });
});
