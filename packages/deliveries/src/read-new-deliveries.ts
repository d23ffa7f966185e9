import type { RedisClient } from "@orderhook/queue";
import { type DeliveryStream, decodeEntry, type LoggedDelivery, type StreamEntry } from "./delivery-reader";

/** Per stream key, the id of the last entry already seen. */
export type StreamPositions = Map<string, string>;

/** Each stream's newest entry id now ("0-0" for an empty one): entries after these are new. */
export async function latestPositions(
  redis: RedisClient,
  streams: DeliveryStream[],
): Promise<StreamPositions> {
  const positions: StreamPositions = new Map();
  if (streams.length === 0) return positions;
  const pipeline = redis.pipeline();
  for (const stream of streams) pipeline.xrevrange(stream.key, "+", "-", "COUNT", 1);
  const results = (await pipeline.exec()) ?? [];
  results.forEach(([error, entries], index) => {
    if (error) throw error;
    const newest = (entries as StreamEntry[])[0];
    positions.set(streams[index]!.key, newest ? newest[0] : "0-0");
  });
  return positions;
}

/**
 * Entries added after `positions` (which it advances), oldest first. With `blockMs` it waits up
 * to that long for one (XREAD BLOCK: give it a connection of its own); without, it only looks.
 * A user's streams are per-user keys, so one XREAD reads them all on one Redis Cluster slot.
 */
export async function readNewDeliveries(
  redis: RedisClient,
  streams: DeliveryStream[],
  positions: StreamPositions,
  options: { blockMs?: number; count?: number } = {},
): Promise<LoggedDelivery[]> {
  if (streams.length === 0) return [];
  const keys = streams.map((stream) => stream.key);
  const ids = keys.map((key) => positions.get(key) ?? "$");
  const count = options.count ?? 100;
  const reply = (
    options.blockMs === undefined
      ? await redis.xread("COUNT", count, "STREAMS", ...keys, ...ids)
      : await redis.xread("COUNT", count, "BLOCK", options.blockMs, "STREAMS", ...keys, ...ids)
  ) as [string, StreamEntry[]][] | null;
  if (reply === null) return [];
  const byKey = new Map(streams.map((stream) => [stream.key, stream]));
  const found: LoggedDelivery[] = [];
  for (const [key, entries] of reply) {
    const stream = byKey.get(key);
    if (stream === undefined) continue;
    for (const entry of entries) found.push(decodeEntry(stream, entry));
    const last = entries.at(-1);
    if (last) positions.set(key, last[0]);
  }
  return found.sort((a, b) => a.ms - b.ms || a.seq - b.seq);
}
