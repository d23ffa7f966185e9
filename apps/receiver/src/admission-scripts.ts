import { appendDeliveryLuaSnippet, expireDeliveryStreamsLua } from "@orderhook/deliveries";
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
 * One call admits a batch of alerts of one queue shard — those an event-loop turn started
 * (`createTurnBatches`), one alone at a steady rate — each in order, exactly as separate calls
 * would: an alert sees what the ones before it wrote (a second identical alert is a replay of
 * the first, a user's rate is consumed in order). Per call, not per alert: reading the command,
 * building the tables of the shard's constant arguments, TIME, converting the reply, and (for
 * more than one alert) what BullMQ's add reads of the queue (`bullmqAddStandardJobLua`'s
 * `memoizeIf`: whether it is paused or at its concurrency, its events' length, the marker). Each
 * alert of several runs under `pcall`, so an error in one (Redis refusing a command, a Lua error)
 * is that alert's reply, never the batch's: the alerts before it were queued and are answered
 * as queued, the ones after it still run.
 *
 * KEYS[1..9]  BullMQ's addStandardJob keys (wait, paused, meta, id, completed, delayed, active,
 *             events, marker), once
 * then per alert i (4 keys from k = 10 + 4·(i−1)):
 *   KEYS[k]   idempotency key (per user)   value "Q|orderId|fingerprint"
 *   KEYS[k+1] rate-limit key (per user)    GCRA theoretical arrival time, epoch ms
 *   KEYS[k+2] seen `webhook-id` key (per webhook) value orderId, or "" when the webhook is
 *             unsigned (on a Redis Cluster, where "" would hash to another slot: a key of the
 *             shard, with the seen ttl 0)
 *   KEYS[k+3] the webhook's deliveries log stream (per user), or "" when the log is off (on a
 *             Redis Cluster: a key of the shard, with 0 entries)
 * ARGV[1]     job hash key prefix ("{prefix}:orders:")
 * ARGV[2]     job options JSON without jobId (the queue's defaults, as BullMQ encodes them); read
 *             only by a script built without them (`admitLua()`): the receiver's embeds them
 * ARGV[3]     job name
 * ARGV[4]     deliveries log: max age ms (a whole number ≥ 1 and < 1e15), the trim point and the
 *             stream's expiry (set once per stream written, after the batch's alerts)
 * then per alert i (11 arguments from a = 5 + 11·(i−1)):
 *   ARGV[a]    fingerprint: the webhook, the resolved account and the raw body, hashed together
 *   ARGV[a+1]  orderId (the job id)
 *   ARGV[a+2]  ttl ms of the idempotency key (a whole number ≥ 1; 0: the key is neither read nor
 *              written — a keyless alert on a webhook whose dedup window is off)
 *   ARGV[a+3]  emission interval ms (1000 / rate; finite and > 0)
 *   ARGV[a+4]  burst tolerance ms (how far ahead of now the arrival time may run: interval × the
 *              alerts allowed at once; ≥ 0 and below 1e15, so the rate key's lifetime is one SET
 *              … PX takes)
 *   ARGV[a+5]  ttl ms of a seen `webhook-id` (a whole number ≥ 1; 0: the webhook is unsigned)
 *   ARGV[a+6]  job data JSON
 *   ARGV[a+7]  job timestamp, epoch ms (a whole number: BullMQ's add stores it as given)
 *   ARGV[a+8]  hash of the raw body alone: the fingerprint receivers stored before it named the
 *              webhook and account, honoured for keys they wrote (they live at most 24 h)
 *   ARGV[a+9]  deliveries log: entries kept per webhook (≥ 1; read only when the log key is set;
 *              0: off)
 *   ARGV[a+10] deliveries log: the accepted request's entry (JSON); refusals and replays are
 *              logged by the receiver after their answer
 *
 * BullMQ's addStandardJob gets the ARGV Queue.add would pack (prefix, job id, name, timestamp,
 * with the parent and repeat fields nil; the options with this job's id) as the tables its
 * unpack would yield (`bullmqAddStandardJobLua`): plain string arguments cost the receiver
 * measurably less to send than msgpack buffers (ADR 5), and no pack/unpack runs in Redis.
 *
 * Reply: one flat array (a table per alert measured ~2.7k more Redis instructions per alert to
 * convert): per alert, in order, its code, then its value for the codes that have one —
 * "A" accepted and queued · "R", orderId: replay of a queued order (same key and
 * fingerprint, or a signed retry of a `webhook-id` already queued) · "F" in flight ·
 * "M" key reused with another fingerprint · "L", retryAfterMs: rate limited ·
 * "E", reason: refused before anything was written (bad arguments, or BullMQ refused the add) ·
 * "X", error: the alert's step raised an error: whether its job was queued is not known (the
 * receiver answers it as it answers a failed call: 503, not confirmed). An alert alone raises
 * its error as the call's instead, answered the same way (without pcall: ~2k fewer instructions).
 * Only "A" writes anything (the deliveries entry included, so an accepted alert is logged in
 * the round trip that queues it); duplicates and refusals consume no rate. "F" comes only from a
 * "P|…" value left by an older receiver, which reserved keys before its separate enqueue.
 * A call whose KEYS and ARGV do not make whole alerts is refused as a whole, before any alert.
 */
export const ADMIT_SHARD_KEYS = 9;
export const ADMIT_ALERT_KEYS = 4;
export const ADMIT_SHARD_ARGS = 4;
export const ADMIT_ALERT_ARGS = 11;

const LUA_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const LUA_RESERVED = new Set(
  "and break do else elseif end false for function if in local nil not or repeat return then true until while".split(
    " ",
  ),
);
const LUA_PLAIN_STRING = /^[A-Za-z0-9_ .:-]*$/;

/**
 * A Lua table constructor for a JSON object of names, plain strings, finite numbers, booleans
 * and such objects; null for anything else (the script then decodes ARGV[2] per alert).
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
 * table constructor, so no call decodes ARGV[2] (measured 18k of ~319k Redis instructions per
 * admission, 6 %); options it cannot express as one are decoded per call as without it. With the
 * table comes its JSON with this job's id appended, which BullMQ's add then stores as the job's
 * `opts` instead of encoding the table (`bullmqAddStandardJobLua`) — for an id that needs no
 * escaping in JSON (the receiver's are UUIDs); any other is encoded by `cjson` as before. The
 * table then holds only the options BullMQ's add reads by name (`bullmqAddStandardJobOptionReads`),
 * not the nested ones only its JSON carries (`backoff`, `removeOnComplete`, …): building those
 * measured ~6k instructions per admission. That table is built once per call and shared by its
 * alerts, without the job id, which only its JSON needs (a table per alert, grown by the id,
 * measured ~1.5k more per admission alone, ~2.5k at 32 a call).
 */
export function admitLua(jobOptsJson?: string): string {
  const table = jobOptsJson !== undefined ? luaTableLiteral(jobOptsJson) : null;
  const jobOpts = table ?? "cjson.decode(ARGV[2])";
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
      : `not string.find(orderId, '[%c"\\\\]') and ${luaLongString(jsonHead)} .. orderId .. '"}' or nil`;
  // One lean table per call, shared by its alerts: BullMQ's add never writes into its options
  // (\`bullmqAddStandardJobLua\` checks), and the job id in them is read only by \`cjson.encode\`,
  // which gets the JSON instead.
  const shareLean = leanTable !== null && !bullmqAddStandardJobOptionReads().has("jobId");
  const chooseOpts =
    leanTable === null ? jobOpts : `optsJson and ${shareLean ? "leanOpts" : leanTable} or ${jobOpts}`;
  return `${bullmqAddStandardJobLua({ memoizeIf: `#KEYS > ${ADMIT_SHARD_KEYS + ADMIT_ALERT_KEYS}` })}
local alerts = (#KEYS - ${ADMIT_SHARD_KEYS}) / ${ADMIT_ALERT_KEYS}
if alerts < 1 or alerts % 1 ~= 0 or #ARGV ~= ${ADMIT_SHARD_ARGS} + ${ADMIT_ALERT_ARGS} * alerts then
  return redis.error_reply('ERR admission batch: keys and arguments do not make whole alerts')
end
local queueKeys = {KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8], KEYS[9]}
local leanOpts = ${shareLean ? leanTable : "nil"}
-- Upvalues of admitAlert cost every call an allocation each (and a search of the open ones): the
-- shard's constants are read from ARGV where they are used, the keys' table and the add come as
-- arguments. Whole ms are passed to Redis as strings formatted '%d' where they are used: Redis 7.0
-- formats a number argument of redis.call with '%.17g' (~2.4k instructions), and a helper
-- function would be an upvalue and a call more. One clock reading per call: the batch's alerts
-- arrived in one event-loop turn.
local now
-- The log's max age as PEXPIRE takes it (whole ms below 1e15): a batch expires its streams after
-- its alerts, where an error would be the whole call's.
local logAge = tonumber(ARGV[4])
local logAgeOk = logAge and logAge >= 1 and logAge < 1e15 and string.format('%d', logAge) == ARGV[4]
local function admitAlert(k, a, queueKeys, leanOpts, bullmqAddStandardJob, logAgeOk, expiring, rates, rateTtls)
  local idemKey, rateKey, seenKey, logKey = KEYS[k], KEYS[k + 1], KEYS[k + 2], KEYS[k + 3]
  local fingerprint, orderId = ARGV[a], ARGV[a + 1]
  local keyTtl = tonumber(ARGV[a + 2])
  local interval = tonumber(ARGV[a + 3])
  local burst = tonumber(ARGV[a + 4])
  local seenTtl = tonumber(ARGV[a + 5])
  -- Lifetimes below 1e15 ms: SET … PX takes them (as whole ms) after the add.
  if not (keyTtl and (keyTtl == 0 or (keyTtl >= 1 and keyTtl < 1e15))
      and interval and interval > 0 and interval < math.huge
      and burst and burst >= 0 and burst < 1e15 and seenTtl and seenTtl >= 0 and seenTtl < 1e15) then
    return 'E', 'arguments'
  end
  local signed = seenKey ~= '' and seenTtl >= 1
  local logEntries = ARGV[a + 9]
  local logged = logKey ~= '' and logEntries ~= '0'
  local logMax = logged and tonumber(logEntries)
  if logged and not (logMax and logMax >= 1 and logAgeOk) then
    return 'E', 'arguments'
  end
  local current = keyTtl > 0 and redis.call('GET', idemKey)
  if current then
    local state, id, fp = string.match(current, '^(%a)|([^|]+)|(.*)$')
    if fp ~= fingerprint and fp ~= ARGV[a + 8] then return 'M' end
    if state == 'Q' then return 'R', id end
    if redis.call('EXISTS', ARGV[1] .. id) == 1 then
      redis.call('SET', idemKey, 'Q|' .. id .. '|' .. fp, 'PX', string.format('%d', keyTtl))
      return 'R', id
    end
    return 'F'
  end
  if signed then
    local seen = redis.call('GET', seenKey)
    if seen then return 'R', seen end
  end
  if not now then
    local time = redis.call('TIME')
    -- Lua's arithmetic reads a numeric string once; tonumber() would parse it twice.
    now = time[1] * 1000 + time[2] / 1000
  end
  local tat = ((rates and rates[rateKey]) or redis.call('GET', rateKey) or 0) + 0
  if tat < now then tat = now end
  local nextTat = tat + interval
  local ahead = nextTat - now
  if ahead > burst then
    return 'L', tostring(math.ceil(ahead - burst))
  end
  local optsJson = ${optsJson}
  local jobOpts = ${chooseOpts}
  ${shareLean ? "if not optsJson then jobOpts['jobId'] = orderId end" : "jobOpts['jobId'] = orderId"}
  local added = bullmqAddStandardJob(queueKeys, {{ARGV[1], orderId, ARGV[3], ARGV[a + 7]}, ARGV[a + 6], jobOpts}, optsJson)
  if type(added) == 'number' then return 'E', tostring(added) end
  -- The arrival time to the µs, as '%.3f' would write it, in integer formats (a float's costs more).
  local tatUs = math.floor(nextTat * 1000 + 0.5)
  local rate = string.format('%d.%03d', math.floor(tatUs / 1000), tatUs % 1000)
  local rateTtl = string.format('%d', math.ceil(ahead) + 1)
  if not rates then
    redis.call('SET', rateKey, rate, 'PX', rateTtl)
  else
    if not rates[rateKey] then rates[#rates + 1] = rateKey end
    rates[rateKey], rateTtls[rateKey] = rate, rateTtl
  end
  if keyTtl > 0 then redis.call('SET', idemKey, 'Q|' .. orderId .. '|' .. fingerprint, 'PX', string.format('%d', keyTtl)) end
  if signed then redis.call('SET', seenKey, orderId, 'PX', string.format('%d', seenTtl)) end
  if logged then
${appendDeliveryLuaSnippet({ key: "logKey", maxEntries: "logEntries", maxAgeMs: "ARGV[4]", entry: "ARGV[a + 10]", nowMs: "now", expiring: "expiring" })}
  end
  return 'A'
end
if alerts == 1 then
  -- Alone, its error is the call's: answered as its X reply would be, without pcall and the loop.
  local code, value = admitAlert(${ADMIT_SHARD_KEYS + 1}, ${ADMIT_SHARD_ARGS + 1}, queueKeys, leanOpts, bullmqAddStandardJob, logAgeOk)
  return {code, value}
end
-- Each deliveries stream written is expired once, after the batch (\`expireDeliveryStreamsLua\`).
-- A user's arrival time is read once per call and written once, after the batch (\`rates\`: key →
-- the value its last SET would have written, and in order the keys): the alerts after the first
-- read what the one before would have written (the same string), nothing else reads it in
-- between, and its lifetime only lets it go once it is in the past, which reads as no key.
local replies, n, expiring, rates, rateTtls = {}, 0, {}, {}, {}
for i = 0, alerts - 1 do
  local ok, code, value = pcall(admitAlert, ${ADMIT_SHARD_KEYS + 1} + ${ADMIT_ALERT_KEYS} * i, ${ADMIT_SHARD_ARGS + 1} + ${ADMIT_ALERT_ARGS} * i, queueKeys, leanOpts, bullmqAddStandardJob, logAgeOk, expiring, rates, rateTtls)
  -- redis.call raises a table {err = …}; Lua itself a string.
  if not ok then code, value = 'X', type(code) == 'table' and tostring(code.err) or tostring(code) end
  n = n + 1
  replies[n] = code
  if value then
    n = n + 1
    replies[n] = value
  end
end
for i = 1, #rates do
  local key = rates[i]
  redis.call('SET', key, rates[key], 'PX', rateTtls[key])
end
${expireDeliveryStreamsLua({ expiring: "expiring", maxAgeMs: "ARGV[4]" })}
return replies
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
