import { OrderhookError } from "@orderhook/errors";

// Cheap pre-check on the text: only bodies that could spell a dangerous key (directly or
// through \u escapes) pay for the walk over the parsed tree.
const SUSPICIOUS = /__proto__|constructor|\\u/;

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
