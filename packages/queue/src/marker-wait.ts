import { duplicateClient, type RedisClient } from "./redis-client";
import type { StopSignal } from "./stop-signal";

const RETRY_DELAY_MS = 1_000;

export interface MarkerWaitOptions {
  /** Duplicated once, on first use, for the blocking command. */
  connection: RedisClient;
  /** The queue's marker key (`{prefix}:{queue}:marker`). */
  markerKey: string;
  /** Seconds an idle consumer blocks before looking again (BullMQ's drainDelay). */
  drainDelaySeconds: number;
  stop: StopSignal;
}

export interface MarkerWait {
  /**
   * Resolves when the queue's marker says there is work, the next delayed job is due, or the
   * drain delay passed. Concurrent callers share one wait: one lane blocks, the others share
   * its wake-up.
   */
  wait(nextDelayed: number): Promise<void>;
  /** Cuts a wait in progress short (with the stop signal) and drops the blocking connection. */
  close(): void;
}

/** Blocks on the queue's marker with BZPOPMIN, as BullMQ's worker does when the queue is empty. */
export function createMarkerWait(options: MarkerWaitOptions): MarkerWait {
  const { connection, markerKey, drainDelaySeconds, stop } = options;
  let blocking: RedisClient | undefined;
  let waiting: Promise<void> | null = null;

  function client(): RedisClient {
    if (blocking === undefined) {
      blocking = duplicateClient(connection);
      // Its failures surface as a rejected BZPOPMIN, handled below.
      blocking.on("error", () => {});
    }
    return blocking;
  }

  async function block(nextDelayed: number): Promise<void> {
    let timeout = drainDelaySeconds;
    if (nextDelayed > 0) {
      const ms = nextDelayed - Date.now();
      if (ms <= 0) return;
      timeout = Math.min(timeout, Math.max(ms / 1000, 0.001));
    }
    const redis = client();
    // A blocking command can hang after a reconnect (ioredis re-sends it): a watchdog abandons it.
    // It is cancelled once the wait is over, or every wake-up would leave a timer and a stop
    // listener behind for the drain delay (thousands at a steady 1,000 jobs/s).
    const popped = redis.bzpopmin(markerKey, timeout).then(
      () => true,
      () => false,
    );
    const watchdog = new AbortController();
    const settled = await Promise.race([
      popped,
      stop.sleep(timeout * 1000 + 1_000, watchdog.signal).then(() => null),
    ]);
    watchdog.abort();
    if (settled === null && !stop.stopped) {
      redis.disconnect();
      if (blocking === redis) blocking = undefined;
    }
    if (settled === false && !stop.stopped) await stop.sleep(RETRY_DELAY_MS);
  }

  return {
    wait(nextDelayed) {
      waiting ??= block(nextDelayed).finally(() => {
        waiting = null;
      });
      return waiting;
    },
    close() {
      blocking?.disconnect();
    },
  };
}
