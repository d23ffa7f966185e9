import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  DECIMAL_MAX_INTEGER_DIGITS,
  DECIMAL_MAX_SCALE,
  DecimalProblem,
  decimalAtMost,
  decimalFromNumber,
  isCanonicalDecimal,
  parseDecimal,
} from "./decimal";

/** The exact value of a decimal text as digits × 10^exponent, and the scale Postgres gives it. */
function reference(text: string): { digits: bigint; exponent: number; scale: number } {
  const match = /^\s*([-+]?)(\d*)(?:\.(\d*))?(?:[eE]([-+]?\d+))?\s*$/.exec(text);
  if (match === null) throw new Error(`not a decimal: ${text}`);
  const [, , whole = "", fraction = "", exp = "0"] = match;
  const e = Number(exp);
  return {
    digits: BigInt(`${whole}${fraction}` || "0"),
    exponent: e - fraction.length,
    scale: Math.max(0, fraction.length - e),
  };
}

function sameValue(a: string, b: string): boolean {
  const x = reference(a);
  const y = reference(b);
  const shift = Math.min(x.exponent, y.exponent);
  return x.digits * 10n ** BigInt(x.exponent - shift) === y.digits * 10n ** BigInt(y.exponent - shift);
}

const digits = (min: number, max: number) =>
  fc.array(fc.constantFrom(..."0123456789"), { minLength: min, maxLength: max }).map((d) => d.join(""));

/** Canonical positive decimals within the bounds, as parseDecimal returns them. */
const canonical = fc
  .tuple(
    fc.oneof(
      fc.constant("0"),
      fc
        .tuple(fc.constantFrom(..."123456789"), digits(0, DECIMAL_MAX_INTEGER_DIGITS - 1))
        .map(([a, b]) => a + b),
    ),
    fc.option(digits(1, DECIMAL_MAX_SCALE), { nil: undefined }),
  )
  .map(([whole, fraction]) => (fraction === undefined ? whole : `${whole}.${fraction}`))
  .filter((text) => /[1-9]/.test(text));

/** The same values spelled other ways: leading zeros, exponents, signs, whitespace, a bare point. */
const spelled = fc
  .tuple(canonical, fc.integer({ min: -25, max: 25 }), fc.nat({ max: 3 }), fc.boolean(), fc.boolean())
  .map(([text, shift, zeros, plus, spaces]) => {
    const [whole = "", fraction = ""] = text.split(".");
    const all = whole + fraction;
    // Move the point `shift` places left and compensate with the exponent.
    const point = whole.length - shift;
    const padded =
      point < 0 ? "0".repeat(-point) + all : point > all.length ? all + "0".repeat(point - all.length) : all;
    const at = Math.max(0, point);
    const mantissa = `${"0".repeat(zeros)}${padded.slice(0, at)}.${padded.slice(at)}`;
    const out = `${plus ? "+" : ""}${mantissa}e${shift}`;
    return spaces ? ` ${out}\t` : out;
  });

describe("parseDecimal", () => {
  it("returns a canonical decimal unchanged, the same string", () => {
    fc.assert(
      fc.property(canonical, (text) => {
        expect(parseDecimal(text)).toBe(text);
        expect(isCanonicalDecimal(text)).toBe(true);
      }),
      { numRuns: 2_000 },
    );
  });

  it("reads any other spelling as the same value, with the scale Postgres' numeric gives it", () => {
    fc.assert(
      fc.property(spelled, (text) => {
        const parsed = parseDecimal(text);
        const { scale } = reference(text);
        if (parsed instanceof DecimalProblem) {
          // Only refused when the spelling itself carries more than 18 decimals (e.g. "1.50e-18").
          expect(scale, `${text}: ${parsed.message}`).toBeGreaterThan(DECIMAL_MAX_SCALE);
          return;
        }
        expect(sameValue(parsed, text), `${text} → ${parsed}`).toBe(true);
        expect(reference(parsed).scale, `${text} → ${parsed}`).toBe(scale);
        expect(isCanonicalDecimal(parsed), parsed).toBe(true);
      }),
      { numRuns: 2_000 },
    );
  });

  it("refuses zero, negatives, texts that are not decimals, and values past the bounds", () => {
    const refused = [
      "0",
      "0.000",
      "-0",
      "-1",
      "",
      " ",
      ".",
      "-",
      "+",
      "1e",
      "e5",
      "1.2.3",
      "1,5",
      "1_000",
      "0x10",
      "NaN",
      "Infinity",
      "١٢",
      "1 2",
      "--1",
      `1${"0".repeat(DECIMAL_MAX_INTEGER_DIGITS)}`,
      `0.${"0".repeat(DECIMAL_MAX_SCALE)}1`,
      "1e20",
      "1e-19",
      "1e999999999999",
      "1e-999999999999",
    ];
    for (const text of refused)
      expect(parseDecimal(text), JSON.stringify(text)).toBeInstanceOf(DecimalProblem);
    expect(
      parseDecimal(`9${"9".repeat(DECIMAL_MAX_INTEGER_DIGITS - 1)}.${"9".repeat(DECIMAL_MAX_SCALE)}`),
    ).toBe(`9${"9".repeat(DECIMAL_MAX_INTEGER_DIGITS - 1)}.${"9".repeat(DECIMAL_MAX_SCALE)}`);
  });

  it("reads a JSON number without its source as its shortest round-trip form", () => {
    expect(decimalFromNumber(0.1)).toBe("0.1");
    expect(decimalFromNumber(1e-7)).toBe("0.0000001");
    expect(decimalFromNumber(1.5e19)).toBe("15000000000000000000");
    expect(decimalFromNumber(1e21)).toBeInstanceOf(DecimalProblem);
    expect(decimalFromNumber(Number.NaN)).toBeInstanceOf(DecimalProblem);
    expect(decimalFromNumber(Number.POSITIVE_INFINITY)).toBeInstanceOf(DecimalProblem);
  });
});

describe("decimalAtMost", () => {
  it("compares a canonical decimal with a whole number exactly", () => {
    expect(decimalAtMost("1000", 1000)).toBe(true);
    expect(decimalAtMost("1000.000", 1000)).toBe(true);
    expect(decimalAtMost("1000.0000000000000001", 1000)).toBe(false);
    expect(decimalAtMost("999.999", 1000)).toBe(true);
    expect(decimalAtMost("1001", 1000)).toBe(false);
    expect(decimalAtMost("10000", 1000)).toBe(false);
    expect(decimalAtMost("0.5", 1000)).toBe(true);
  });
});
