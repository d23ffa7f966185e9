import { randomBytes } from "node:crypto";

/** `count` webhook paths with well-formed random tokens (as `generateToken` makes them): what a flood of guesses looks like. */
export function randomTokenPaths(count: number): string[] {
  return Array.from({ length: count }, () => `/v1/webhooks/oh_${randomBytes(32).toString("base64url")}`);
}
