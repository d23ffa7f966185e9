import { createHash, randomBytes } from "node:crypto";

export const TOKEN_PREFIX = "oh_";

/** 32 random bytes, base64url: 256 bits, safe in a URL path. Shown once, stored only hashed. */
export function generateToken(): string {
  return TOKEN_PREFIX + randomBytes(32).toString("base64url");
}

/** Standard Webhooks signing secret. */
export function generateSigningSecret(): string {
  return `whsec_${randomBytes(32).toString("base64")}`;
}

/**
 * SHA-256 hex of the token. A fast hash is right here: the token carries 256 bits of
 * entropy, so there is nothing to brute-force, and the lookup is an exact index match.
 */
export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/** What listings show instead of the token. */
export function tokenDisplayPrefix(token: string): string {
  return token.slice(0, TOKEN_PREFIX.length + 6);
}

/** A new webhook token, with what `webhooks` keeps of it: the hash, and the prefix listings show. */
export function issueToken(): { token: string; tokenHash: string; tokenPrefix: string } {
  const token = generateToken();
  return { token, tokenHash: hashToken(token), tokenPrefix: tokenDisplayPrefix(token) };
}
