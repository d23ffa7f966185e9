import { describe, expect, it } from "vitest";
import { compareNewestFirst, formatCursor, parseCursor } from "./delivery-cursor";

const webhook = "0193a5c8-7d2e-7b1a-9c3d-1f2e3d4c5b6a";

describe("delivery cursors", () => {
  it("round-trips an entry id and its webhook, and refuses anything else", () => {
    expect(parseCursor(formatCursor("1732871234567-3", webhook))).toEqual({
      entryId: "1732871234567-3",
      ms: 1732871234567,
      seq: 3,
      webhookId: webhook,
    });
    for (const bad of [
      "",
      "1732871234567-3",
      `x-1.${webhook}`,
      `1-1.${webhook.toUpperCase()}`,
      `1-1.${webhook}x`,
    ]) {
      expect(parseCursor(bad), bad).toBeNull();
    }
  });

  it("orders newest first, and one id in two streams by webhook id", () => {
    const a = { ms: 5, seq: 0, webhookId: "a" };
    const b = { ms: 5, seq: 0, webhookId: "b" };
    const older = { ms: 4, seq: 9, webhookId: "z" };
    expect([older, a, b].sort(compareNewestFirst)).toEqual([b, a, older]);
  });
});
