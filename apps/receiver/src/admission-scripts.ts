import { bullmqAddStandardJobLua } from "@orderhook/queue";

/**
 * Idempotency, signature replay, the per-user rate limit and the enqueue in one atomic
 * script — the request's single Redis round trip. The job is added by BullMQ's own
 * `addStandardJob` Lua (see `bullmqAddStandardJobLua`), so what lands in Redis is exactly what
 * `Queue.add` would have written; the idempotency key is written in the same step, so there is
 * no window in which a key is reserved but its job is not queued (nothing to lease, commit or
 * release), and a script that timed out on our side but ran is found by the sender's retry.
 *
 * KEYS[1]     idempotency key (per user)   value "Q|orderId|fingerprint"
 * KEYS[2]     rate-limit key (per user)    GCRA theoretical arrival time, epoch ms
 * KEYS[3]     seen `webhook-id` key, or "" for signed webhooks only
 * KEYS[4..12] BullMQ's addStandardJob keys (wait, paused, meta, id, completed, delayed, active,
 *             events, marker)
 * ARGV[1]     fingerprint of the raw body
 * ARGV[2]     orderId (the job id)
 * ARGV[3]     ttl ms of the idempotency key
 * ARGV[4]     emission interval ms (1000 / rate)
 * ARGV[5]     burst tolerance ms (how far ahead of now the arrival time may run)
 * ARGV[6]     job hash key prefix ("{prefix}:orders:")
 * ARGV[7]     ttl ms of a seen `webhook-id`
 * ARGV[8]     job data JSON
 * ARGV[9]     job options JSON without jobId (the queue's defaults, as BullMQ encodes them)
 * ARGV[10]    job name
 * ARGV[11]    job timestamp, epoch ms
 *
 * BullMQ's addStandardJob gets its ARGV packed here the way Queue.add packs them (msgpack of
 * prefix, job id, name, timestamp, with the parent and repeat fields nil; the options with this
 * job's id): plain string arguments cost the receiver measurably less to send than msgpack
 * buffers (ADR 5).
 *
 * Reply: {"A"} accepted and queued · {"R", orderId} replay of a queued order ·
 * {"F"} in flight · {"M"} key reused with another payload · {"S"} replayed signature ·
 * {"L", retryAfterMs} rate limited · {"E", code} BullMQ refused the add. Only "A" writes
 * anything; duplicates and refusals consume no rate. "F" comes only from a "P|…" value left by
 * an older receiver, which reserved keys before its separate enqueue.
 */
export function admitLua(): string {
  return `${bullmqAddStandardJobLua()}
local current = redis.call('GET', KEYS[1])
if current then
  local state, id, fp = string.match(current, '^(%a)|([^|]+)|(.*)$')
  if fp ~= ARGV[1] then return {'M'} end
  if state == 'Q' then return {'R', id} end
  if redis.call('EXISTS', ARGV[6] .. id) == 1 then
    redis.call('SET', KEYS[1], 'Q|' .. id .. '|' .. fp, 'PX', ARGV[3])
    return {'R', id}
  end
  return {'F'}
end
if KEYS[3] ~= '' and redis.call('EXISTS', KEYS[3]) == 1 then return {'S'} end
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + tonumber(time[2]) / 1000
local tat = tonumber(redis.call('GET', KEYS[2]) or '0')
if tat < now then tat = now end
local nextTat = tat + tonumber(ARGV[4])
local ahead = nextTat - now
if ahead > tonumber(ARGV[5]) then
  return {'L', tostring(math.ceil(ahead - tonumber(ARGV[5])))}
end
local jobOpts = cjson.decode(ARGV[9])
jobOpts['jobId'] = ARGV[2]
local added = bullmqAddStandardJob(
  {KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8], KEYS[9], KEYS[10], KEYS[11], KEYS[12]},
  {cmsgpack.pack({ARGV[6], ARGV[2], ARGV[10], tonumber(ARGV[11])}), ARGV[8], cmsgpack.pack(jobOpts)})
if type(added) == 'number' then return {'E', tostring(added)} end
redis.call('SET', KEYS[2], string.format('%.3f', nextTat), 'PX', math.ceil(ahead) + 1)
redis.call('SET', KEYS[1], 'Q|' .. ARGV[2] .. '|' .. ARGV[1], 'PX', ARGV[3])
if KEYS[3] ~= '' then redis.call('SET', KEYS[3], ARGV[2], 'PX', ARGV[7]) end
return {'A'}
`;
}
