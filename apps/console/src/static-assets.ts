import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";

export interface StaticAsset {
  body: string;
  contentType: string;
  /** `/static/<name>?v=<hash>`: cacheable for good, since a change gives a new URL. */
  href: string;
  version: string;
}

const TYPES: Record<string, string> = {
  css: "text/css; charset=utf-8",
  js: "text/javascript; charset=utf-8",
};

/**
 * The stylesheet and the one script, read once from `static/` beside this module (`src/static`
 * from source, `dist/static` in a build, where tsup copies them). Served from the console's own
 * origin, so the Content-Security-Policy needs no 'unsafe-inline' and no nonce.
 */
function load(name: string): StaticAsset {
  const body = readFileSync(new URL(`./static/${name}`, import.meta.url), "utf8");
  const version = createHash("sha256").update(body).digest("hex").slice(0, 12);
  const extension = name.slice(name.lastIndexOf(".") + 1);
  return {
    body,
    contentType: TYPES[extension] ?? "application/octet-stream",
    href: `/static/${name}?v=${version}`,
    version,
  };
}

export const staticAssets: Readonly<Record<string, StaticAsset>> = {
  "console.css": load("console.css"),
  "console.js": load("console.js"),
};
