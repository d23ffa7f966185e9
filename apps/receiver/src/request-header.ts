import type { Context } from "hono";
import type { AppEnv } from "./app-env";

/**
 * A request header (`name` in lower case), read from Node's already parsed headers when served
 * by @hono/node-server — trimmed and repeated values joined with ", " there as a Web `Headers`
 * would — instead of through `c.req.header()`, which lower-cases and validates the name and
 * looks the value up again on every call. Absent: undefined.
 */
export function requestHeader(c: Context<AppEnv>, name: string): string | undefined {
  const incoming = c.env?.incoming;
  if (incoming === undefined) return c.req.header(name);
  const value = incoming.headers[name];
  return typeof value === "string" ? value : undefined;
}

/** The request's Content-Type, or null. */
export function contentType(c: Context<AppEnv>): string | null {
  return requestHeader(c, "content-type") ?? null;
}
