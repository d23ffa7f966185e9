/**
 * Idempotency, signature replay and the per-user rate limit in one atomic step — the
 * request's single Redis round trip before the enqueue.
 *
 * KEYS[1] idempotency key (per user)        value "P|orderId|fingerprint" (in flight) or "Q|…" (queued)
 * KEYS[2] rate-limit key (per user)          GCRA theoretical arrival time, epoch ms
 * KEYS[3] seen `webhook-id` key, or ""       for signed webhooks only
 * ARGV[1] fingerprint of the raw body
 * ARGV[2] orderId to reserve
 * ARGV[3] lease ms for the in-flight reservation
 * ARGV[4] ttl ms of a queued key (used when a lease is found already enqueued)
 * ARGV[5] emission interval ms (1000 / rate)
 * ARGV[6] burst tolerance ms (how far ahead of now the arrival time may run)
 * ARGV[7] job hash key prefix ("{prefix}:orders:")
 * ARGV[8] ttl ms of a seen `webhook-id`
 *
 * Reply: {"A"} accepted and reserved · {"R", orderId} replay of a queued order ·
 * {"F"} in flight · {"M"} key reused with another payload · {"S"} replayed signature ·
 * {"L", retryAfterMs} rate limited. Only "A" writes anything (and "R" may upgrade a
 * lease whose job exists to queued); duplicates and refusals consume no rate.
 */
export const ADMIT_LUA = `
local current = redis.call('GET', KEYS[1])
if current then
  local state, id, fp = string.match(current, '^(%a)|([^|]+)|(.*)$')
  if fp ~= ARGV[1] then return {'M'} end
  if state == 'Q' then return {'R', id} end
  if redis.call('EXISTS', ARGV[7] .. id) == 1 then
    redis.call('SET', KEYS[1], 'Q|' .. id .. '|' .. fp, 'PX', ARGV[4])
    return {'R', id}
  end
  return {'F'}
end
if KEYS[3] ~= '' and redis.call('EXISTS', KEYS[3]) == 1 then return {'S'} end
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + tonumber(time[2]) / 1000
local tat = tonumber(redis.call('GET', KEYS[2]) or '0')
if tat < now then tat = now end
local nextTat = tat + tonumber(ARGV[5])
local ahead = nextTat - now
if ahead > tonumber(ARGV[6]) then
  return {'L', tostring(math.ceil(ahead - tonumber(ARGV[6])))}
end
redis.call('SET', KEYS[2], string.format('%.3f', nextTat), 'PX', math.ceil(ahead) + 1)
redis.call('SET', KEYS[1], 'P|' .. ARGV[2] .. '|' .. ARGV[1], 'PX', ARGV[3])
if KEYS[3] ~= '' then redis.call('SET', KEYS[3], ARGV[2], 'PX', ARGV[8]) end
return {'A'}
`;

/**
 * Undoes a reservation whose enqueue failed — unless the job landed after all (a timeout
 * on our side, not Redis's), in which case the key is committed instead. Runs on the
 * producer connection right after the failed add, so Redis sees it after the add.
 *
 * KEYS[1] idempotency key · KEYS[2] seen `webhook-id` key, or ""
 * ARGV[1] orderId · ARGV[2] job hash key · ARGV[3] queued value · ARGV[4] ttl ms of a queued key
 * Reply: 1 when the job exists (key committed), 0 when the reservation was removed.
 */
export const RELEASE_LUA = `
local current = redis.call('GET', KEYS[1])
if redis.call('EXISTS', ARGV[2]) == 1 then
  if current and string.find(current, ARGV[1], 1, true) then
    redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[4])
  end
  return 1
end
if current and string.find(current, ARGV[1], 1, true) then redis.call('DEL', KEYS[1]) end
if KEYS[2] ~= '' then
  local seen = redis.call('GET', KEYS[2])
  if seen == ARGV[1] then redis.call('DEL', KEYS[2]) end
end
return 0
`;
