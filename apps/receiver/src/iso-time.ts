let second = Number.NaN;
let prefix = "";

/**
 * `new Date(ms).toISOString()` for a whole number of ms, the date and time formatted once per
 * second: V8 formats a date through `snprintf`, ~6,700 instructions per 202 (callgrind, ADR 5).
 */
export function isoTime(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (!Number.isInteger(ms) || ms < 0 || ms >= 253_402_300_800_000) return new Date(ms).toISOString();
  if (s !== second) {
    second = s;
    // "YYYY-MM-DDTHH:MM:SS."
    prefix = new Date(s * 1000).toISOString().slice(0, 20);
  }
  const milli = ms - s * 1000;
  return `${prefix}${milli < 10 ? "00" : milli < 100 ? "0" : ""}${milli}Z`;
}
