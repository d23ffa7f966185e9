import type { Context } from "hono";
import type { AppEnv } from "./app-env";

/**
 * The request's Content-Type, read from Node's already parsed headers when served by
 * @hono/node-server: asking `c.req.header()` there builds a Web `Headers` object first.
 */
export function contentType(c: Context<AppEnv>): string | null {
  const incoming = c.env?.incoming;
  return (incoming ? incoming.headers["content-type"] : c.req.header("content-type")) ?? null;
}
