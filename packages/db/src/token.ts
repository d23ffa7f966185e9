import { hash, randomBytes } from "node:crypto";

export const TOKEN_PREFIX = "oh_";
/** The prefix and 32 bytes in unpadded base64url. */
export const TOKEN_LENGTH = TOKEN_PREFIX.length + 43;

/** 1 for each base64url character (A-Z a-z 0-9 - _), indexed by char code. */
const BASE64URL = new Uint8Array(128);
for (const c of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
  BASE64URL[c.charCodeAt(0)] = 1;

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
  // One-shot: about a third of createHash().update().digest() per call.
  return hash("sha256", token, "hex");
}

/**
 * Whether `token` could have come from `generateToken`: the length, the prefix, then one table
 * lookup per character — constant work and no allocation, so anything else is refused before
 * it is hashed or looked up.
 */
export function isWellFormedToken(token: string): boolean {
  if (token.length !== TOKEN_LENGTH || !token.startsWith(TOKEN_PREFIX)) return false;
  for (let i = TOKEN_PREFIX.length; i < TOKEN_LENGTH; i++) {
    const code = token.charCodeAt(i);
    if (code > 127 || BASE64URL[code] !== 1) return false;
  }
  return true;
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
