--[[
  Take up to ARGV[6] jobs from wait (then prioritized) to active and lock them: BullMQ's
  moveToActive-11 for a batch. Same keys, same checks (paused, global concurrency, rate limit,
  delayed promotion), and per job the same writes as prepareJobForProcessing (lock with token
  and PX, `active` event, processedOn/pb, attemptsStarted); the marker is re-added once.

  Mirrors bullmq's moveToActive-11.lua and includes/prepareJobForProcessing.lua; the version
  they were mirrored from is pinned by bullmq-mirror.test.ts.

  Input:
    KEYS[1] wait key            KEYS[7]  delayed key
    KEYS[2] active key          KEYS[8]  paused key
    KEYS[3] prioritized key     KEYS[9]  meta key
    KEYS[4] event stream key    KEYS[10] pc priority counter
    KEYS[5] stalled key         KEYS[11] marker key
    KEYS[6] rate limiter key

    ARGV[1] key prefix
    ARGV[2] timestamp
    ARGV[3] lock token
    ARGV[4] lock duration (ms)
    ARGV[5] worker name ("" for none)
    ARGV[6] most jobs to take

  Output:
    {jobs, rateLimitDelay, nextDelayedTimestamp, waiting}
    jobs: flat list, per job its id then HMGET data, opts, timestamp, atm, defa, parentKey, deid
    (TAKEN_JOB_FIELDS in batch-scripts.ts)
    waiting: the wait list's length after the take (-1 when rate limited or paused: nothing was
    looked at), so the consumer's burst pacing needs no LLEN of its own

  Events:
    'active' per job
]]
local rcall = redis.call
local waitKey = KEYS[1]
local activeKey = KEYS[2]
local eventStreamKey = KEYS[4]
local rateLimiterKey = KEYS[6]
local delayedKey = KEYS[7]
local markerKey = KEYS[11]
local prefix, timestamp, token = ARGV[1], ARGV[2], ARGV[3]
local lockDuration = ARGV[4]
local name = ARGV[5]
local limit = tonumber(ARGV[6])

-- Includes
--- @include "includes/getQueueMetadata"
--- @include "includes/getNextDelayedTimestamp"
--- @include "includes/getRateLimitTTL"
--- @include "includes/moveJobFromPrioritizedToActive"
--- @include "includes/addBaseMarkerIfNeeded"
--- @include "includes/promoteDelayedJobs"

local isPausedOrMaxed, rateLimitMax, rateLimitDuration =
    getQueueMetadata(KEYS[9], activeKey, waitKey)

promoteDelayedJobs(delayedKey, markerKey, waitKey, KEYS[3], eventStreamKey, prefix,
                   timestamp, KEYS[10], isPausedOrMaxed)

local maxJobs = tonumber(rateLimitMax)
local expireTime = getRateLimitTTL(maxJobs, rateLimiterKey)
if expireTime > 0 then return {{}, expireTime, 0, -1} end
if isPausedOrMaxed then return {{}, 0, 0, -1} end

-- A global concurrency leaves room for fewer; a rate limit is checked job by job, so one.
local concurrency = tonumber(rcall("HGET", KEYS[9], "concurrency"))
if concurrency then
  limit = math.min(limit, concurrency - rcall("LLEN", activeKey))
end
if maxJobs then limit = 1 end

local taken = {}
for i = 1, limit do
  local jobId = rcall("RPOPLPUSH", waitKey, activeKey)
  -- Markers in waitlist DEPRECATED in v5.
  if jobId and string.sub(jobId, 1, 2) == "0:" then
    rcall("LREM", activeKey, 1, jobId)
    jobId = rcall("RPOPLPUSH", waitKey, activeKey)
  end
  if not jobId then
    jobId = moveJobFromPrioritizedToActive(KEYS[3], activeKey, KEYS[10])
  end
  if not jobId then break end

  local jobKey = prefix .. jobId
  if maxJobs and rcall("HEXISTS", jobKey, "defa") == 0 then
    local jobCounter = tonumber(rcall("INCR", rateLimiterKey))
    if jobCounter == 1 and rateLimitDuration then
      rcall("PEXPIRE", rateLimiterKey, math.floor(math.abs(tonumber(rateLimitDuration))))
    end
  end
  rcall("SET", jobKey .. ":lock", token, "PX", lockDuration)
  rcall("XADD", eventStreamKey, "*", "event", "active", "jobId", jobId, "prev", "waiting")
  if name ~= "" then
    rcall("HMSET", jobKey, "processedOn", timestamp, "pb", name)
  else
    rcall("HMSET", jobKey, "processedOn", timestamp)
  end
  rcall("HINCRBY", jobKey, "ats", 1)
  local fields = rcall("HMGET", jobKey, "data", "opts", "timestamp", "atm", "defa", "parentKey", "deid")
  taken[#taken + 1] = jobId
  for f = 1, 7 do taken[#taken + 1] = fields[f] end
end

local waiting = rcall("LLEN", waitKey)
if #taken > 0 then
  addBaseMarkerIfNeeded(markerKey, false)
  return {taken, 0, 0, waiting}
end
return {{}, 0, getNextDelayedTimestamp(delayedKey) or 0, waiting}
