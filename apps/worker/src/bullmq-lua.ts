import { bullmqLuaIncludes } from "@orderhook/queue";

/**
 * The BullMQ helper functions the batch scripts call, from the installed BullMQ's own
 * `commands/includes` (with what they include), so the batch scripts change Redis exactly as
 * BullMQ's `moveToActive` and `moveToFinished` would, and follow BullMQ on upgrade.
 */
export const BULLMQ_INCLUDES = bullmqLuaIncludes([
  // take: moveToActive's checks and moves
  "getQueueMetadata",
  "getNextDelayedTimestamp",
  "getRateLimitTTL",
  "moveJobFromPrioritizedToActive",
  "addBaseMarkerIfNeeded",
  "promoteDelayedJobs",
  // complete: moveToFinished's bookkeeping and retention
  "trimEvents",
  "removeLock",
  "isQueuePausedOrMaxed",
  "addJobInTargetList",
  "removeJobsByMaxAge",
  "removeJobsByMaxCount",
]);
