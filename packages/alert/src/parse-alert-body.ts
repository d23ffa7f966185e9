import { OrderhookError } from "@orderhook/errors";

// Cheap pre-check on the text: only bodies that could spell a dangerous key (directly or
// through \u escapes) pay for the walk over the parsed tree.
const SUSPICIOUS = /__proto__|constructor|\\u/;

/** Alerts are nearly flat; anything deeper is refused before it reaches code that recurses. */
export const MAX_JSON_DEPTH = 32;

/** Deepest `{`/`[` nesting of JSON text, brackets inside strings ignored; stops once past the limit. */
function exceedsDepth(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > limit) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

function findPoisonedKey(value: unknown, path: string): string | null {
  if (typeof value !== "object" || value === null) return null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findPoisonedKey(value[i], `${path}[${i}]`);
      if (found !== null) return found;
    }
    return null;
  }
  for (const key of Object.keys(value)) {
    const child = (value as Record<string, unknown>)[key];
    const childPath = path === "" ? key : `${path}.${key}`;
    if (key === "__proto__") return childPath;
    if (key === "constructor" && typeof child === "object" && child !== null && "prototype" in child) {
      return `${childPath}.prototype`;
    }
    const found = findPoisonedKey(child, childPath);
    if (found !== null) return found;
  }
  return null;
}

/**
 * JSON.parse whatever the Content-Type said (TradingView sends text/plain), after a byte
 * order mark if there is one. Keys that would poison an object prototype once merged
 * somewhere downstream (`__proto__`, `constructor.prototype`) are refused as an invalid
 * order, naming the key.
 */
export function parseJsonBody(body: string): unknown {
  // Buffer#toString keeps a UTF-8 byte order mark (Windows tools prepend one) and JSON.parse refuses it.
  const text = body.charCodeAt(0) === 0xfeff ? body.slice(1) : body;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new OrderhookError("malformed_json", {
      detail: `The body is not valid JSON: ${(error as Error).message}`,
    });
  }
  // Valid JSON nested thousands deep would overflow the stack of a recursive serializer
  // downstream (the enqueue) and come back as a 5xx; it is the sender's error, so a 4xx.
  if (exceedsDepth(text, MAX_JSON_DEPTH)) {
    throw new OrderhookError("invalid_order", {
      detail: `The body is nested deeper than ${MAX_JSON_DEPTH} levels.`,
      errors: [{ field: "", message: `nested deeper than ${MAX_JSON_DEPTH} levels` }],
    });
  }
  if (SUSPICIOUS.test(text)) {
    const key = findPoisonedKey(value, "");
    if (key !== null) {
      throw new OrderhookError("invalid_order", {
        detail: "The body contains a key that is never accepted.",
        errors: [{ field: key, message: "forbidden key (prototype pollution)" }],
      });
    }
  }
  return value;
}
