import { appendDeliveryLuaSnippet } from "@orderhook/deliveries";
import { bullmqAddStandardJobLua, bullmqAddStandardJobOptionReads } from "@orderhook/queue";

/**
 * Idempotency, signed retries, the per-user rate limit and the enqueue in one atomic
 * script — the request's single Redis round trip. The job is added by BullMQ's own
 * `addStandardJob` Lua (see `bullmqAddStandardJobLua`), so what lands in Redis is exactly what
 * `Queue.add` would have written; the idempotency key is written in the same step, so there is
 * no window in which a key is reserved but its job is not queued (nothing to lease, commit or
 * release), and a script that timed out on our side but ran is found by the sender's retry.
 * Every step that can fail (argument checks, the idempotency and rate decisions) runs before
 * the add; after it come only writes whose arguments were checked, so a script never queues a
 * job and then fails (which would turn the sender's retry into a second order).
 *
 * KEYS[1]     idempotency key (per user)   value "Q|orderId|fingerprint"
 * KEYS[2]     rate-limit key (per user)    GCRA theoretical arrival time, epoch ms
 * KEYS[3]     seen `webhook-id` key (per webhook) value orderId, or "" when the webhook is unsigned
 *             (on a Redis Cluster, where "" would hash to another slot: a key of the shard, with
 *             ARGV[7] = 0)
 * KEYS[4..12] BullMQ's addStandardJob keys (wait, paused, meta, id, completed, delayed, active,
 *             events, marker)
 * KEYS[13]    the webhook's deliveries log stream (per user), or "" when the log is off (on a
 *             Redis Cluster: a key of the shard, with ARGV[13] = 0)
 * ARGV[1]     fingerprint: the webhook, the resolved account and the raw body, hashed together
 * ARGV[2]     orderId (the job id)
 * ARGV[3]     ttl ms of the idempotency key (a whole number ≥ 1; 0: the key is neither read nor
 *             written — a keyless alert on a webhook whose dedup window is off)
 * ARGV[4]     emission interval ms (1000 / rate; finite and > 0)
 * ARGV[5]     burst tolerance ms (how far ahead of now the arrival time may run: interval × the
 *             alerts allowed at once; ≥ 0)
 * ARGV[6]     job hash key prefix ("{prefix}:orders:")
 * ARGV[7]     ttl ms of a seen `webhook-id` (a whole number ≥ 1; 0: the webhook is unsigned)
 * ARGV[8]     job data JSON
 * ARGV[9]     job options JSON without jobId (the queue's defaults, as BullMQ encodes them); read
 *             only by a script built without them (`admitLua()`): the receiver's embeds them
 * ARGV[10]    job name
 * ARGV[11]    job timestamp, epoch ms (a whole number: BullMQ's add stores it as given)
 * ARGV[12]    hash of the raw body alone: the fingerprint receivers stored before it named the
 *             webhook and account, honoured for keys they wrote (they live at most 24 h)
 * ARGV[13]    deliveries log: entries kept per webhook (≥ 1; read only when KEYS[13] is set; 0: off)
 * ARGV[14]    deliveries log: max age ms (≥ 1), the trim point and the stream's expiry
 * ARGV[15]    deliveries log: the accepted request's entry (JSON); refusals and replays are
 *             logged by the receiver after their answer
 *
 * BullMQ's addStandardJob gets the ARGV Queue.add would pack (prefix, job id, name, timestamp,
 * with the parent and repeat fields nil; the options with this job's id) as the tables its
 * unpack would yield (`bullmqAddStandardJobLua`): plain string arguments cost the receiver
 * measurably less to send than msgpack buffers (ADR 5), and no pack/unpack runs in Redis.
 *
 * Reply: {"A"} accepted and queued · {"R", orderId} replay of a queued order (same key and
 * fingerprint, or a signed retry of a `webhook-id` already queued) · {"F"} in flight ·
 * {"M"} key reused with another fingerprint · {"L", retryAfterMs} rate limited ·
 * {"E", reason} refused before anything was written (bad arguments, or BullMQ refused the add).
 * Only "A" writes anything (the deliveries entry included, so an accepted alert is logged in
 * the round trip that queues it); duplicates and refusals consume no rate. "F" comes only from a
 * "P|…" value left by an older receiver, which reserved keys before its separate enqueue.
 */
const LUA_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const LUA_RESERVED = new Set(
  "and break do else elseif end false for function if in local nil not or repeat return then true until while".split(
    " ",
  ),
);
const LUA_PLAIN_STRING = /^[A-Za-z0-9_ .:-]*$/;

/**
 * A Lua table constructor for a JSON object of names, plain strings, finite numbers, booleans
 * and such objects; null for anything else (the script then decodes ARGV[9] as before).
 */
export function luaTableLiteral(json: string): string | null {
  const literal = (value: unknown): string | null => {
    if (typeof value === "boolean") return String(value);
    if (typeof value === "number") return Number.isFinite(value) ? String(value) : null;
    if (typeof value === "string") return LUA_PLAIN_STRING.test(value) ? `'${value}'` : null;
    if (typeof value !== "object" || value === null || Array.isArray(value)) return null;
    const fields: string[] = [];
    for (const [name, field] of Object.entries(value)) {
      const fieldLiteral = literal(field);
      if (!LUA_NAME.test(name) || LUA_RESERVED.has(name) || fieldLiteral === null) return null;
      fields.push(`${name} = ${fieldLiteral}`);
    }
    return `{${fields.join(", ")}}`;
  };
  const value: unknown = JSON.parse(json);
  return typeof value === "object" && value !== null && !Array.isArray(value) ? literal(value) : null;
}

/** The options (JSON) without the nested ones that BullMQ's add does not read by name. */
function readOptions(jobOptsJson: string): string {
  const reads = bullmqAddStandardJobOptionReads();
  const options = JSON.parse(jobOptsJson) as Record<string, unknown>;
  return JSON.stringify(
    Object.fromEntries(
      Object.entries(options).filter(([name, value]) => typeof value !== "object" || reads.has(name)),
    ),
  );
}

/** A Lua long string holding `text` as it is. */
export function luaLongString(text: string): string {
  let level = "";
  while (text.includes(`]${level}]`)) level += "=";
  return `[${level}[${text.startsWith("\n") ? "\n" : ""}${text}]${level}]`;
}

/**
 * `jobOptsJson`: the queue's job options (`JobAddTemplate.optsJson`), built into the script as a
 * table constructor, so no call decodes ARGV[9] (measured 18k of ~319k Redis instructions per
 * admission, 6 %); options it cannot express as one are decoded per call as without it. With the
 * table comes its JSON with this job's id appended, which BullMQ's add then stores as the job's
 * `opts` instead of encoding the table (`bullmqAddStandardJobLua`) — for an id that needs no
 * escaping in JSON (the receiver's are UUIDs); any other is encoded by `cjson` as before. The
 * table then holds only the options BullMQ's add reads by name (`bullmqAddStandardJobOptionReads`),
 * not the nested ones only its JSON carries (`backoff`, `removeOnComplete`, …): building those
 * measured ~6k instructions per admission.
 */
export function admitLua(jobOptsJson?: string): string {
  const table = jobOptsJson !== undefined ? luaTableLiteral(jobOptsJson) : null;
  const jobOpts = table ?? "cjson.decode(ARGV[9])";
  const leanTable =
    table === null || jobOptsJson === undefined ? null : luaTableLiteral(readOptions(jobOptsJson));
  // `{…}` + `,"jobId":"<id>"}`: the id last, where BullMQ's options object has it too.
  const jsonHead =
    table === null || jobOptsJson === undefined
      ? null
      : `${jobOptsJson.trim().slice(0, -1)}${jobOptsJson.trim() === "{}" ? "" : ","}"jobId":"`;
  const optsJson =
    jsonHead === null
      ? "nil"
      : `not string.find(ARGV[2], '[%c"\\\\]') and ${luaLongString(jsonHead)} .. ARGV[2] .. '"}' or nil`;
  const chooseOpts = leanTable === null ? jobOpts : `optsJson and ${leanTable} or ${jobOpts}`;
  return `${bullmqAddStandardJobLua()}
-- A whole number of ms as a string: Redis 7.0 formats a number argument of redis.call with
-- '%.17g' (~2.4k instructions); an integer format costs a fraction of that.
local function ms(value) return string.format('%d', value) end
local keyTtl = tonumber(ARGV[3])
local interval = tonumber(ARGV[4])
local burst = tonumber(ARGV[5])
local seenTtl = tonumber(ARGV[7])
-- Lifetimes below 1e15 ms: SET … PX takes them (as whole ms, see \`ms\`) after the add.
if not (keyTtl and (keyTtl == 0 or (keyTtl >= 1 and keyTtl < 1e15))
    and interval and interval > 0 and interval < math.huge
    and burst and burst >= 0 and burst < math.huge and seenTtl and seenTtl >= 0 and seenTtl < 1e15) then
  return {'E', 'arguments'}
end
local signed = KEYS[3] ~= '' and seenTtl >= 1
local logged = KEYS[13] ~= '' and ARGV[13] ~= '0'
local logMax = logged and tonumber(ARGV[13])
local logAge = logged and tonumber(ARGV[14])
if logged and not (logMax and logMax >= 1 and logAge and logAge >= 1) then
  return {'E', 'arguments'}
end
local current = keyTtl > 0 and redis.call('GET', KEYS[1])
if current then
  local state, id, fp = string.match(current, '^(%a)|([^|]+)|(.*)$')
  if fp ~= ARGV[1] and fp ~= ARGV[12] then return {'M'} end
  if state == 'Q' then return {'R', id} end
  if redis.call('EXISTS', ARGV[6] .. id) == 1 then
    redis.call('SET', KEYS[1], 'Q|' .. id .. '|' .. fp, 'PX', ms(keyTtl))
    return {'R', id}
  end
  return {'F'}
end
if signed then
  local seen = redis.call('GET', KEYS[3])
  if seen then return {'R', seen} end
end
local time = redis.call('TIME')
-- Lua's arithmetic reads a numeric string once; tonumber() would parse it twice.
local now = time[1] * 1000 + time[2] / 1000
local tat = (redis.call('GET', KEYS[2]) or 0) + 0
if tat < now then tat = now end
local nextTat = tat + interval
local ahead = nextTat - now
if ahead > burst then
  return {'L', tostring(math.ceil(ahead - burst))}
end
local optsJson = ${optsJson}
local jobOpts = ${chooseOpts}
jobOpts['jobId'] = ARGV[2]
local added = bullmqAddStandardJob(
  {KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8], KEYS[9], KEYS[10], KEYS[11], KEYS[12]},
  {{ARGV[6], ARGV[2], ARGV[10], ARGV[11]}, ARGV[8], jobOpts}, optsJson)
if type(added) == 'number' then return {'E', tostring(added)} end
-- The arrival time to the µs, as '%.3f' would write it, in integer formats (a float's costs more).
local tatUs = math.floor(nextTat * 1000 + 0.5)
redis.call('SET', KEYS[2], string.format('%d.%03d', math.floor(tatUs / 1000), tatUs % 1000), 'PX', ms(math.ceil(ahead) + 1))
if keyTtl > 0 then redis.call('SET', KEYS[1], 'Q|' .. ARGV[2] .. '|' .. ARGV[1], 'PX', ms(keyTtl)) end
if signed then redis.call('SET', KEYS[3], ARGV[2], 'PX', ms(seenTtl)) end
if logged then
${appendDeliveryLuaSnippet({ key: "KEYS[13]", maxEntries: "ARGV[13]", maxAgeMs: "ARGV[14]", entry: "ARGV[15]", nowMs: "now" })}
end
return {'A'}
`;
}

/**
 * While the shard count changes (QUEUE_SHARDS_PREVIOUS), a user whose shard moved may retry a key
 * their old shard holds: this reads it there, before the admission runs on the new shard.
 *
 * KEYS[1] idempotency key in the old shard · KEYS[2] seen `webhook-id` key in the old shard
 * (ARGV[4] = 0: unsigned)
 * ARGV[1] fingerprint · ARGV[2] hash of the raw body alone (older receivers' fingerprint) ·
 * ARGV[3] ttl ms of the idempotency key (0: the key is not read) · ARGV[4] 1 when signed
 *
 * Reply: {"R", orderId} the old shard queued it · {"M"} key reused with another fingerprint ·
 * {"F"} reserved there by an older receiver · {"N"} nothing there: admit on the new shard.
 */
export const PREVIOUS_SHARD_LUA = `
if tonumber(ARGV[3]) > 0 then
  local current = redis.call('GET', KEYS[1])
  if current then
    local state, id, fp = string.match(current, '^(%a)|([^|]+)|(.*)$')
    if fp ~= ARGV[1] and fp ~= ARGV[2] then return {'M'} end
    if state == 'Q' then return {'R', id} end
    return {'F'}
  end
end
if ARGV[4] == '1' then
  local seen = redis.call('GET', KEYS[2])
  if seen then return {'R', seen} end
end
return {'N'}
`;
