import { describe, expect, it } from "vitest";
import { BODY_EXCERPT_BYTES, bodyExcerpt } from "./body-excerpt";

const token = `oh_${"A".repeat(40)}`;

describe("bodyExcerpt", () => {
  it("keeps a short body whole", () => {
    expect(bodyExcerpt(Buffer.from('{"ticker":"AAPL"}'), token)).toBe('{"ticker":"AAPL"}');
  });

  it("cuts a long body at 4 KiB without splitting a character", () => {
    const body = Buffer.from("é".repeat(5_000));
    const excerpt = bodyExcerpt(body, token);
    expect(Buffer.byteLength(excerpt)).toBeLessThanOrEqual(BODY_EXCERPT_BYTES);
    expect(excerpt).toBe("é".repeat(BODY_EXCERPT_BYTES / 2));
  });

  it("replaces the token wherever it is, even across the cut", () => {
    expect(bodyExcerpt(Buffer.from(`url /v1/webhooks/${token} and ${token}`), token)).toBe(
      "url /v1/webhooks/[token] and [token]",
    );
    const straddling = Buffer.from(`${"x".repeat(BODY_EXCERPT_BYTES - 10)}${token}${"y".repeat(100)}`);
    const excerpt = bodyExcerpt(straddling, token);
    expect(excerpt).not.toContain(token.slice(0, 10));
    expect(excerpt).toContain(`${"x".repeat(10)}[token]yyy`);
  });
});
