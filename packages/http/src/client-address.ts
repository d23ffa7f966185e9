import type { Context } from "hono";
import type { NodeEnv } from "./node-env";

/** Under `app.request()` (tests) there is no socket; such requests share this address. */
export const NO_SOCKET = "local";

/**
 * The address the outermost trusted proxy saw: with `trustedHops` proxies in front (each
 * appending the address it received the request from to X-Forwarded-For), the entry that many
 * places from the right. Entries to its left are whatever the client sent, so never read; with
 * fewer entries than hops, the left-most. Null when the header is absent or that entry is empty.
 */
export function forwardedClient(header: string, trustedHops: number): string | null {
  let end = header.length;
  for (let hop = 1; ; hop++) {
    const comma = header.lastIndexOf(",", end - 1);
    if (hop === trustedHops || comma === -1) {
      const entry = header.slice(comma + 1, end).trim();
      return entry.length > 0 ? entry : null;
    }
    end = comma;
  }
}

/** The client address of a request in any app served by @hono/node-server. */
export type ClientAddress = <E extends NodeEnv>(c: Context<E>) => string;

/**
 * How an app tells clients apart for its per-address limits: the socket's peer address, or —
 * only when `trustedHops` > 0 (TRUST_PROXY) — X-Forwarded-For as `forwardedClient` reads it,
 * falling back to the socket when the header is missing. The receiver calls it on refused
 * requests only; the console on sign-in attempts.
 */
export function createClientAddress(trustedHops: number): ClientAddress {
  const socketAddress: ClientAddress = (c) => c.env?.incoming?.socket.remoteAddress ?? NO_SOCKET;
  if (trustedHops <= 0) return socketAddress;
  return function clientAddress(c) {
    const incoming = c.env?.incoming;
    const raw = incoming ? incoming.headers["x-forwarded-for"] : c.req.header("x-forwarded-for");
    const header = Array.isArray(raw) ? raw.join(",") : raw;
    return (header === undefined ? null : forwardedClient(header, trustedHops)) ?? socketAddress(c);
  };
}
