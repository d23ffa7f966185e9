/** Digits a quantity or price may have before the decimal point. */
export const DECIMAL_MAX_INTEGER_DIGITS = 20;
/** Digits it may have after the decimal point (trailing zeros count: "1.50" has two). */
export const DECIMAL_MAX_SCALE = 18;

/** Why a text is not an acceptable decimal; instances are shared, so a refusal allocates nothing. */
export class DecimalProblem {
  constructor(readonly message: string) {}
}

export const notADecimal = new DecimalProblem(
  'expected a decimal number such as 1.5 or "0.00125" (a JSON number or a string)',
);
const notPositive = new DecimalProblem("must be greater than 0");
const tooManyIntegerDigits = new DecimalProblem(
  `must have at most ${DECIMAL_MAX_INTEGER_DIGITS} digits before the decimal point`,
);
const tooManyDecimals = new DecimalProblem(
  `must have at most ${DECIMAL_MAX_SCALE} digits after the decimal point`,
);

/** What no accepted decimal's exponent ever needs; larger ones are clamped before the bound checks. */
const EXPONENT_CLAMP = 1_000_000;

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isSpace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
/**
 * The char code at `i`, 0 past the end. `charCodeAt` past the end (NaN) deoptimizes V8's
 * optimized code ("out of bounds"): a whole-number quantity ends before a point or exponent is
 * looked for, and the receiver's callgrind dump found `parseDecimal` and `toDecimal` left in
 * baseline code, ~11,000 instructions per alert (ADR 5).
 */
const charAt = (text: string, i: number) => (i < text.length ? text.charCodeAt(i) : 0);

/**
 * A positive decimal, exactly as Postgres' `numeric` stores and prints it: leading zeros
 * dropped, an exponent applied, the scale (digits after the point, trailing zeros included)
 * kept. `"1.0"` stays `"1.0"`, `"007.10"` becomes `"7.10"`, `"1.5e-3"` becomes `"0.0015"`,
 * `"1.50e1"` becomes `"15.0"`. Surrounding ASCII whitespace is ignored.
 *
 * Hot path: one pass over the characters, and an already canonical text (what senders write:
 * `"1"`, `"64000.25"`) is returned as it is, with no allocation.
 */
export function parseDecimal(text: string): string | DecimalProblem {
  const end = text.length;
  let i = 0;
  while (i < end && isSpace(text.charCodeAt(i))) i++;
  const start = i;
  let negative = false;
  const sign = charAt(text, i);
  if (sign === 0x2d || sign === 0x2b) {
    negative = sign === 0x2d;
    i++;
  }
  const intStart = i;
  while (i < end && isDigit(text.charCodeAt(i))) i++;
  const intLength = i - intStart;
  let fracStart = i;
  let hasPoint = false;
  if (charAt(text, i) === 0x2e) {
    hasPoint = true;
    fracStart = ++i;
    while (i < end && isDigit(text.charCodeAt(i))) i++;
  }
  const fracLength = i - fracStart;
  if (intLength + fracLength === 0) return notADecimal;
  let exponent = 0;
  let hasExponent = false;
  const e = charAt(text, i);
  if (e === 0x65 || e === 0x45) {
    hasExponent = true;
    i++;
    let expNegative = false;
    const expSign = charAt(text, i);
    if (expSign === 0x2d || expSign === 0x2b) {
      expNegative = expSign === 0x2d;
      i++;
    }
    const expStart = i;
    while (i < end && isDigit(text.charCodeAt(i))) {
      if (exponent < EXPONENT_CLAMP) exponent = exponent * 10 + (text.charCodeAt(i) - 0x30);
      i++;
    }
    if (i === expStart) return notADecimal;
    if (expNegative) exponent = -exponent;
  }
  const stop = i;
  while (i < end && isSpace(text.charCodeAt(i))) i++;
  if (i !== end) return notADecimal;

  const canonical =
    start === 0 &&
    stop === end &&
    sign !== 0x2b &&
    !hasExponent &&
    intLength > 0 &&
    (intLength === 1 || text.charCodeAt(intStart) !== 0x30) &&
    (!hasPoint || fracLength > 0);

  // The digits, integer part then fraction, read as one sequence D; the point sits before D[point].
  const digitCount = intLength + fracLength;
  let firstNonZero = 0;
  while (
    firstNonZero < digitCount &&
    digitAt(text, intStart, intLength, fracStart, digitCount, firstNonZero) === 0x30
  ) {
    firstNonZero++;
  }
  if (firstNonZero === digitCount || negative) return notPositive;
  const point = intLength + exponent;
  const scale = Math.max(0, fracLength - exponent);
  if (point - firstNonZero > DECIMAL_MAX_INTEGER_DIGITS) return tooManyIntegerDigits;
  if (scale > DECIMAL_MAX_SCALE) return tooManyDecimals;
  if (canonical) return text;

  let out = "";
  if (point <= firstNonZero) out = "0";
  else {
    for (let k = firstNonZero; k < point; k++) {
      out += String.fromCharCode(digitAt(text, intStart, intLength, fracStart, digitCount, k));
    }
  }
  if (scale > 0) {
    out += ".";
    for (let k = point; k < point + scale; k++) {
      out += String.fromCharCode(digitAt(text, intStart, intLength, fracStart, digitCount, k));
    }
  }
  return out;
}

/** Digit `k` of D (as a char code), "0" outside it. */
function digitAt(
  text: string,
  intStart: number,
  intLength: number,
  fracStart: number,
  digitCount: number,
  k: number,
): number {
  if (k < 0 || k >= digitCount) return 0x30;
  return k < intLength ? text.charCodeAt(intStart + k) : text.charCodeAt(fracStart + k - intLength);
}

/** A JSON number without its source text: its shortest round-trip form, read as a decimal. */
export function decimalFromNumber(value: number): string | DecimalProblem {
  return Number.isFinite(value) ? parseDecimal(String(value)) : notADecimal;
}

const CANONICAL = new RegExp(
  `^(?:0|[1-9]\\d{0,${DECIMAL_MAX_INTEGER_DIGITS - 1}})(?:\\.\\d{1,${DECIMAL_MAX_SCALE}})?$`,
);

/** True for a decimal as `parseDecimal` returns it: canonical, positive, within the bounds. */
export function isCanonicalDecimal(text: string): boolean {
  return CANONICAL.test(text) && /[1-9]/.test(text);
}

/** For a canonical decimal: is it at most `limit` (a whole number)? */
export function decimalAtMost(decimal: string, limit: number): boolean {
  const dot = decimal.indexOf(".");
  const whole = dot === -1 ? decimal : decimal.slice(0, dot);
  const bound = String(limit);
  if (whole.length !== bound.length) return whole.length < bound.length;
  if (whole !== bound) return whole < bound;
  return dot === -1 || /^0*$/.test(decimal.slice(dot + 1));
}
