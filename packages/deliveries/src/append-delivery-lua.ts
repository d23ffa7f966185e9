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
}): string {
  return `redis.call('XADD', ${args.key}, 'MAXLEN', '~', ${args.maxEntries}, '*', 'd', ${args.entry})
redis.call('PEXPIRE', ${args.key}, ${args.maxAgeMs})
if math.floor(${args.nowMs}) % ${AGE_TRIM_EVERY} == 0 then
  redis.call('XTRIM', ${args.key}, 'MINID', '~', string.format('%d', math.floor(${args.nowMs} - ${args.maxAgeMs})))
end`;
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
