--[[
  Move jobs that share one lock token and one retention from active to completed: BullMQ's
  moveToFinished-14 with target `completed` and no fetch of the next job, for a batch. Per job
  the same checks and writes; events trimmed and the retention applied once for the batch.
  Jobs in a flow or deduplicated are not passed here (BullMQ's own moveToCompleted finishes
  those).

  Mirrors bullmq's moveToFinished-14.lua; the version it was mirrored from is pinned by
  bullmq-mirror.test.ts.

  Input:
    KEYS[1] wait key           KEYS[5] stalled key
    KEYS[2] active key         KEYS[6] meta key
    KEYS[3] prioritized key    KEYS[7] completed key
    KEYS[4] event stream key

    ARGV[1] key prefix
    ARGV[2] timestamp
    ARGV[3] lock token
    ARGV[4] keepJobs count (-1 keeps all, 0 removes the job)
    ARGV[5] keepJobs age in seconds ("" for none)
    ARGV[6] keepJobs limit ("" for BullMQ's 1000)
    ARGV[7..] job ids

  Output:
    one code per job id, as moveToFinished's: 0 done, -1 missing key, -2 missing lock,
    -3 not in active, -4 pending children, -6 lock owned by another token, -9 failed children

  Events:
    'completed' per job, 'drained' when nothing is left
]]
local rcall = redis.call
local activeKey = KEYS[2]
local eventStreamKey = KEYS[4]
local targetSet = KEYS[7]
local prefix, timestamp, token = ARGV[1], ARGV[2], ARGV[3]
local maxCount = tonumber(ARGV[4])
local maxAge = tonumber(ARGV[5])
local maxLimit = tonumber(ARGV[6]) or 1000

-- Includes
--- @include "includes/trimEvents"
--- @include "includes/removeLock"
--- @include "includes/removeJobKeys"
--- @include "includes/removeJobsByMaxAge"
--- @include "includes/removeJobsByMaxCount"

-- Trim events before emitting them to avoid trimming events emitted in this script
trimEvents(KEYS[6], eventStreamKey)

local codes = {}
for i = 7, #ARGV do
  local jobId = ARGV[i]
  local jobIdKey = prefix .. jobId
  local code = 0
  if rcall("EXISTS", jobIdKey) == 0 then
    code = -1
  elseif rcall("SCARD", jobIdKey .. ":dependencies") ~= 0 then
    code = -4
  elseif rcall("ZCARD", jobIdKey .. ":unsuccessful") ~= 0 then
    code = -9
  else
    code = removeLock(jobIdKey, KEYS[5], token, jobId)
    if code == 0 and rcall("LREM", activeKey, -1, jobId) < 1 then
      code = -3
    end
    if code == 0 then
      rcall("HINCRBY", jobIdKey, "atm", 1)
      if maxCount ~= 0 then
        rcall("ZADD", targetSet, timestamp, jobId)
        rcall("HSET", jobIdKey, "returnvalue", "null", "finishedOn", timestamp)
      else
        removeJobKeys(jobIdKey)
      end
      rcall("XADD", eventStreamKey, "*", "event", "completed", "jobId", jobId, "returnvalue", "null",
        "prev", "active")
    end
  end
  codes[#codes + 1] = code
end

if maxCount ~= 0 then
  if maxAge ~= nil then
    removeJobsByMaxAge(timestamp, maxAge, targetSet, prefix, maxLimit)
  end
  if maxCount ~= nil and maxCount > 0 then
    removeJobsByMaxCount(maxCount, targetSet, prefix)
  end
end

if rcall("LLEN", KEYS[1]) == 0 and rcall("LLEN", activeKey) == 0 and rcall("ZCARD", KEYS[3]) == 0 then
  rcall("XADD", eventStreamKey, "*", "event", "drained")
end
return codes
