/** About one write in this many also trims entries past the max age. */
export const AGE_TRIM_EVERY = 16;

/**
 * The Lua that appends one entry to a webhook's stream, shared by the receiver's admission script
 * (accepted alerts, in the same round trip as the enqueue) and `appendDeliveryLua` (refusals).
 * `key`, `maxEntries`, `maxAgeMs` and `entry` are Lua expressions; `nowMs` one for Redis's time.
 * The stream holds about `maxEntries` (`MAXLEN ~` trims whole nodes only, so it is cheap) and
 * expires `maxAgeMs` after its last write. Entries older than `maxAgeMs` in a stream still written
 * to are trimmed (`MINID ~`) by about one write in `AGE_TRIM_EVERY`, picked by Redis's clock:
 * each command costs a Lua script ~1.6 µs of Redis CPU, and readers never show such entries
 * anyway, so the age trim need not run on every accepted alert (MAXLEN bounds the memory).
 */
export function appendDeliveryLuaSnippet(args: {
  key: string;
  maxEntries: string;
  maxAgeMs: string;
  entry: string;
  nowMs: string;
  /**
   * A Lua expression for a table, or nil: a stream written is noted there (once, in the order of
   * first writes) instead of expired, for a caller that writes several entries in one call and
   * expires each stream once, after its last write (`expireDeliveryStreamsLua`).
   */
  expiring?: string;
}): string {
  const expire = `redis.call('PEXPIRE', ${args.key}, ${args.maxAgeMs})`;
  const { expiring } = args;
  return `redis.call('XADD', ${args.key}, 'MAXLEN', '~', ${args.maxEntries}, '*', 'd', ${args.entry})
${
  expiring === undefined
    ? expire
    : `if not ${expiring} then
  ${expire}
elseif not ${expiring}[${args.key}] then
  ${expiring}[${args.key}] = true
  ${expiring}[#${expiring} + 1] = ${args.key}
end`
}
if math.floor(${args.nowMs}) % ${AGE_TRIM_EVERY} == 0 then
  redis.call('XTRIM', ${args.key}, 'MINID', '~', string.format('%d', math.floor(${args.nowMs} - ${args.maxAgeMs})))
end`;
}

/**
 * Expires each stream the snippet noted in `expiring` (`appendDeliveryLuaSnippet`), once: the
 * expiry its last write would have set (PEXPIRE counts from when Redis runs it, so no earlier; a
 * script's PEXPIREs later in the same call). A script's writes are atomic: nothing reads a
 * stream's expiry between its writes and this, and it runs even if a later write raised an error
 * (a key is noted only after its XADD). `maxAgeMs` must be what PEXPIRE accepts (a whole number of
 * ms), which the caller checks before any write: here an error would be the whole call's.
 */
export function expireDeliveryStreamsLua(args: { expiring: string; maxAgeMs: string }): string {
  return `for i = 1, #${args.expiring} do redis.call('PEXPIRE', ${args.expiring}[i], ${args.maxAgeMs}) end`;
}

/**
 * A refused or repeated request's entry, written after its answer (nothing waits for it).
 *
 * KEYS[1] the webhook's stream
 * ARGV[1] entries kept (≥ 1) · ARGV[2] max age ms (≥ 1) · ARGV[3] the entry (JSON)
 * Reply: 1, or an error for arguments out of range.
 */
export function appendDeliveryLua(): string {
  return `local maxEntries = tonumber(ARGV[1])
local maxAge = tonumber(ARGV[2])
if not (maxEntries and maxEntries >= 1 and maxAge and maxAge >= 1) then
  return redis.error_reply('ERR delivery log arguments')
end
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
${appendDeliveryLuaSnippet({ key: "KEYS[1]", maxEntries: "ARGV[1]", maxAgeMs: "ARGV[2]", entry: "ARGV[3]", nowMs: "now" })}
return 1
`;
}
