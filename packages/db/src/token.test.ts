import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { generateToken, hashToken, isWellFormedToken, TOKEN_LENGTH } from "./token";

describe("tokens", () => {
  it("accepts every generated token as well-formed", () => {
    for (let i = 0; i < 1_000; i++) {
      const token = generateToken();
      expect(token).toHaveLength(TOKEN_LENGTH);
      expect(isWellFormedToken(token), token).toBe(true);
    }
  });

  it("refuses anything of another length, prefix or alphabet", () => {
    const token = generateToken();
    const bad = [
      "",
      "oh_",
      token.slice(0, -1),
      `${token}a`,
      `xx_${token.slice(3)}`,
      `${token.slice(0, -1)}=`,
      `${token.slice(0, -1)} `,
      `${token.slice(0, -1)}/`,
      `${token.slice(0, -1)}+`,
      `${token.slice(0, -1)}é`,
      `${token.slice(0, -2)}\u{1F600}`,
      hashToken(token),
    ];
    for (const candidate of bad) expect(isWellFormedToken(candidate), JSON.stringify(candidate)).toBe(false);
  });

  it("hashes to the SHA-256 hex that Postgres stores", () => {
    const token = generateToken();
    expect(hashToken(token)).toBe(createHash("sha256").update(token).digest("hex"));
  });
});
