export interface BurstPacingOptions {
  /** Jobs arriving per second (added to the wait list) from which the queue is in a burst. */
  burstPerSecond: number;
  /** One pause before the next take while the burst lasts. */
  pauseMs: number;
  /** Longest a burst holds the consumer back, from its first pause (0: never pause). */
  maxPauseMs: number;
  /** Rates are estimated over observations at most this far apart; older ones start afresh. */
  windowMs?: number;
  /** Observations closer than this to the last are not used (a rate needs some time). */
  minIntervalMs?: number;
}

export interface BurstPacer {
  /** Jobs this consumer took since the last observation (they left the wait list). */
  taken(count: number): void;
  /**
   * The wait list's length at `now` (epoch ms); returns the ms to pause before the next take
   * (0: take now).
   */
  observe(waiting: number, now: number): number;
}

/**
 * While jobs arrive faster than `burstPerSecond` — a bar-close burst whose senders still wait for
 * their acks — the consumer pauses between takes, so the receiver and Redis keep the cores, and
 * catches up after in larger (cheaper) batches. Arrivals are estimated from the wait list's growth
 * plus what this consumer took meanwhile. A burst holds the consumer back at most `maxPauseMs` in
 * all: under sustained load it stops pausing until the arrival rate drops below half the threshold.
 * At a steady rate below the threshold it never pauses.
 */
export function createBurstPacer(options: BurstPacingOptions): BurstPacer {
  const { burstPerSecond, pauseMs, maxPauseMs, windowMs = 1_000, minIntervalMs = 5 } = options;
  let last: { at: number; waiting: number } | null = null;
  let takenSince = 0;
  /** When the current burst's first pause began; null outside a burst. */
  let burstStart: number | null = null;

  return {
    taken(count) {
      takenSince += count;
    },
    observe(waiting, now) {
      if (maxPauseMs <= 0) return 0;
      const previous = last;
      const elapsed = previous === null ? 0 : now - previous.at;
      // Too soon for a rate: this one is skipped and what was taken meanwhile counts in the next.
      if (previous !== null && elapsed < minIntervalMs) return 0;
      const arrived = previous === null ? 0 : waiting - previous.waiting + takenSince;
      last = { at: now, waiting };
      takenSince = 0;
      // No rate from a first observation, nor across a gap longer than the window.
      if (previous === null || elapsed > windowMs) return 0;
      const perSecond = (arrived * 1_000) / elapsed;
      // A burst ends below half the threshold, so a rate wavering around it does not refill the budget.
      if (perSecond < (burstStart === null ? burstPerSecond : burstPerSecond / 2)) {
        burstStart = null;
        return 0;
      }
      burstStart ??= now;
      const left = burstStart + maxPauseMs - now;
      return left > 0 ? Math.min(pauseMs, left) : 0;
    },
  };
}
