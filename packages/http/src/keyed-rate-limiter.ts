export interface KeyedRateLimitOptions {
  /** Sustained events per second per key (> 0). */
  perSecond: number;
  /** Events a key may have at once before the sustained rate applies (≥ 1). */
  burst: number;
  /** Keys remembered at most; past it the oldest is forgotten (it then starts with a full burst). */
  maxKeys?: number;
  /** Monotonic milliseconds. */
  now?: () => number;
}

export interface KeyedRateLimiter {
  /**
   * Counts one event for `key` and returns 0, or — when the key is over its limit — counts
   * nothing and returns the milliseconds until an event would be allowed again.
   */
  hit(key: string): number;
  /** The milliseconds until `key` may have another event (0: now), without counting one. */
  wait(key: string): number;
  readonly size: number;
}

/** The GCRA state of one key: its theoretical arrival time, updated in place (no allocation per hit). */
interface Slot {
  tat: number;
}

/**
 * An in-process GCRA limiter per key (client IP, webhook, user): O(1) per call, one small object
 * per key and none per call, bounded to `maxKeys` keys. It guards this process's own work, so it
 * needs no shared state; the per-user order rate, which is a product rule, is enforced in Redis.
 */
export function createKeyedRateLimiter(options: KeyedRateLimitOptions): KeyedRateLimiter {
  const { perSecond, burst, maxKeys = 100_000, now = () => performance.now() } = options;
  if (!(perSecond > 0) || !(burst >= 1)) throw new RangeError("perSecond must be > 0 and burst ≥ 1");
  const interval = 1000 / perSecond;
  const tolerance = interval * (burst - 1);
  const slots = new Map<string, Slot>();

  return {
    hit(key) {
      const t = now();
      const slot = slots.get(key);
      if (slot === undefined) {
        // Forgetting the oldest key only happens past maxKeys distinct keys, i.e. under a spread flood.
        if (slots.size >= maxKeys) slots.delete(slots.keys().next().value as string);
        slots.set(key, { tat: t + interval });
        return 0;
      }
      const tat = Math.max(slot.tat, t);
      const ahead = tat - t;
      if (ahead > tolerance) return Math.ceil(ahead - tolerance);
      slot.tat = tat + interval;
      return 0;
    },
    wait(key) {
      const slot = slots.get(key);
      if (slot === undefined) return 0;
      const ahead = slot.tat - now();
      return ahead > tolerance ? Math.ceil(ahead - tolerance) : 0;
    },
    get size() {
      return slots.size;
    },
  };
}
