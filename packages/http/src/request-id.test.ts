import { describe, expect, it } from "vitest";
import { requestIdOf } from "./request-id";

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe("requestIdOf", () => {
  it("keeps the caller's X-Request-Id, else Railway's, when short and printable", () => {
    expect(requestIdOf("abc-123", "railway-1")).toBe("abc-123");
    expect(requestIdOf("has space", "railway-1")).toBe("railway-1");
    expect(requestIdOf(undefined, null)).toMatch(UUID_V4);
  });

  it("mints a v4 UUID otherwise, never the same one twice (across refills of its random pool)", () => {
    const ids = Array.from({ length: 1_000 }, () => requestIdOf("x".repeat(129), undefined));
    for (const id of ids) expect(id).toMatch(UUID_V4);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
