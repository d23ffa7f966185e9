import type { Context } from "hono";
import type { JSX } from "hono/jsx/jsx-runtime";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/** A page as a full HTML document. Every text and attribute went through hono/jsx's escaping. */
export async function render(c: Context, page: JSX.Element, status: ContentfulStatusCode = 200) {
  return c.html(`<!doctype html>${await page}`, status);
}
