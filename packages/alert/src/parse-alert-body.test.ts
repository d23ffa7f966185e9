import { OrderhookError } from "@orderhook/errors";
import { describe, expect, it } from "vitest";
import { MAX_JSON_DEPTH, parseJsonBody } from "./parse-json-body";

function codeOf(text: string): { code: string; errors: unknown } | null {
  try {
    parseJsonBody(text);
    return null;
  } catch (error) {
    expect(error).toBeInstanceOf(OrderhookError);
    return { code: (error as OrderhookError).code, errors: (error as OrderhookError).errors };
  }
}

describe("parseJsonBody", () => {
  it("parses JSON, including harmless uses of the word constructor", () => {
    expect(parseJsonBody('{"a":1,"comment":"constructor"}')).toEqual({ a: 1, comment: "constructor" });
    expect(parseJsonBody('{"constructor":"x"}')).toEqual({ constructor: "x" });
  });

  it("refuses text that is not JSON as malformed_json", () => {
    expect(codeOf("{")?.code).toBe("malformed_json");
    expect(codeOf("")?.code).toBe("malformed_json");
  });

  it("skips a leading UTF-8 byte order mark, and only a leading one", () => {
    expect(parseJsonBody('\uFEFF{"a":1}')).toEqual({ a: 1 });
    expect(codeOf('\uFEFF\uFEFF{"a":1}')?.code).toBe("malformed_json");
    expect(codeOf('{"a":1}\uFEFF')?.code).toBe("malformed_json");
  });

  it("refuses __proto__ keys, also when spelled with unicode escapes or nested in arrays", () => {
    expect(codeOf('{"__proto__":{"x":1}}')).toEqual({
      code: "invalid_order",
      errors: [{ field: "__proto__", message: "forbidden key (prototype pollution)" }],
    });
    expect(codeOf('{"a":[{"\\u005f_proto__":1}]}')?.errors).toEqual([
      { field: "a[0].__proto__", message: "forbidden key (prototype pollution)" },
    ]);
  });

  it("refuses constructor.prototype", () => {
    expect(codeOf('{"constructor":{"prototype":{"polluted":true}}}')?.errors).toEqual([
      { field: "constructor.prototype", message: "forbidden key (prototype pollution)" },
    ]);
  });

  it("refuses bodies nested deeper than the limit with invalid_order, counting only brackets outside strings", () => {
    const deep = `{"ticker":"AAPL","extra":${"[".repeat(5000)}1${"]".repeat(5000)}}`;
    expect(codeOf(deep)).toEqual({
      code: "invalid_order",
      errors: [{ field: "", message: `nested deeper than ${MAX_JSON_DEPTH} levels` }],
    });
    const atLimit = `${"[".repeat(MAX_JSON_DEPTH)}${"]".repeat(MAX_JSON_DEPTH)}`;
    expect(parseJsonBody(atLimit)).toBeInstanceOf(Array);
    const bracketsInText = JSON.stringify({ comment: "[".repeat(100), quote: '\\"[[[' });
    expect(parseJsonBody(bracketsInText)).toEqual(JSON.parse(bracketsInText));
  });
});
