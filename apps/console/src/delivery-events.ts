import {
  type DeliveryReader,
  type DeliveryStream,
  latestPositions,
  readNewDeliveries,
  type StreamPositions,
} from "@orderhook/deliveries";
import type { RedisClient } from "@orderhook/queue";
import type { ConsoleEventListener, ConsoleEventSource } from "./console-events";

export interface DeliveryEventsOptions {
  redis: RedisClient;
  reader: DeliveryReader;
  /** How often the watched users' streams are read (a refusal shows within about this). */
  intervalMs: number;
  /** How often a watched user's list of webhooks is read again (a new webhook's stream joins). */
  webhooksRefreshMs?: number;
  /** A failed poll (Redis or Postgres down): the next one tries again. */
  onError?: (error: unknown) => void;
}

interface Watched {
  listeners: Set<ConsoleEventListener>;
  streams: DeliveryStream[];
  positions: StreamPositions;
  /** When the webhooks were last read; 0: never (the first read sets the positions). */
  refreshedAt: number;
  /** The first read of the webhooks and positions, which polls wait for. */
  ready: Promise<void>;
}

/**
 * New deliveries of the users whose pages are open, as "delivery" events: every `intervalMs`,
 * one non-blocking XREAD per watching user over their webhooks' streams (a user's streams share a
 * slot) from the last entry seen, joined with the orders' statuses. Work only while someone
 * listens; a poll never overlaps the previous one.
 */
export function createDeliveryEvents(options: DeliveryEventsOptions): ConsoleEventSource {
  const { redis, reader, intervalMs, webhooksRefreshMs = 10_000, onError } = options;
  const watched = new Map<string, Watched>();
  let timer: NodeJS.Timeout | undefined;
  let polling: Promise<void> = Promise.resolve();
  let closed = false;

  async function refresh(userId: string, user: Watched): Promise<void> {
    const streams = (await reader.streams(userId)) ?? [];
    const known = new Set(user.streams.map((stream) => stream.key));
    const added = streams.filter((stream) => !known.has(stream.key));
    // Entries already in a stream when it is first watched are on the page, not news.
    for (const [key, id] of await latestPositions(redis, user.refreshedAt === 0 ? streams : added)) {
      user.positions.set(key, id);
    }
    user.streams = streams;
    user.refreshedAt = Date.now();
  }

  async function pollUser(userId: string, user: Watched): Promise<void> {
    await user.ready;
    if (Date.now() - user.refreshedAt >= webhooksRefreshMs) await refresh(userId, user);
    const found = await readNewDeliveries(redis, user.streams, user.positions);
    if (found.length === 0) return;
    for (const delivery of await reader.join(userId, found)) {
      for (const listener of user.listeners) listener({ type: "delivery", data: delivery });
    }
  }

  async function poll(): Promise<void> {
    await Promise.all(
      [...watched].map(([userId, user]) =>
        pollUser(userId, user).catch((error: unknown) => onError?.(error)),
      ),
    );
  }

  function schedule(): void {
    if (closed || watched.size === 0 || timer !== undefined) return;
    timer = setTimeout(() => {
      timer = undefined;
      polling = poll().finally(schedule);
    }, intervalMs);
  }

  return {
    subscribe(userId, listener) {
      let user = watched.get(userId);
      if (user === undefined) {
        const starting: Watched = {
          listeners: new Set(),
          streams: [],
          positions: new Map(),
          refreshedAt: 0,
          ready: Promise.resolve(),
        };
        // Positions are taken now, so what arrives between this and the first poll is sent.
        starting.ready = refresh(userId, starting).catch((error: unknown) => onError?.(error));
        watched.set(userId, starting);
        user = starting;
      }
      user.listeners.add(listener);
      schedule();
      return () => {
        const current = watched.get(userId);
        if (current === undefined) return;
        current.listeners.delete(listener);
        if (current.listeners.size === 0) watched.delete(userId);
      };
    },
    async close() {
      closed = true;
      clearTimeout(timer);
      timer = undefined;
      await polling;
    },
  };
}
