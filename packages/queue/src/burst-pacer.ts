export interface BurstPacingOptions {
  /** Jobs arriving per second (added to the wait list) from which the queue is in a burst. */
  burstPerSecond: number;
  /** One pause before the next look while the burst lasts. */
  pauseMs: number;
  /** Longest a burst holds the consumer back, from its first pause (0: never pause). */
  maxPauseMs: number;
  /**
   * Outside a burst a rate is estimated only once this many jobs arrived since the last
   * estimate (or `windowMs` passed), so a few jobs arriving close together are not a burst.
   */
  minArrivals?: number;
  /**
   * A burst ends when, over the last `quietMs`, jobs arrived slower than the threshold (arrivals
   * come in clumps: a shorter span would end it between two).
   */
  quietMs?: number;
  /**
   * Rates are estimated over observations at most this far apart; older ones start afresh. A
   * burst that ended keeps its spent budget this long.
   */
  windowMs?: number;
  /** Observations closer than this to the last are not used for a rate (a rate needs some time). */
  minIntervalMs?: number;
}

export interface BurstPacer {
  /** Jobs this consumer took since the last observation (they left the wait list). */
  taken(count: number): void;
  /**
   * The wait list's length at `now` (epoch ms); returns the ms to pause before looking again
   * (0: take now).
   */
  observe(waiting: number, now: number): number;
}

/** Jobs that ever arrived, as far as this consumer can tell (waiting + all it took), at a time. */
interface Point {
  at: number;
  arrived: number;
}

/**
 * While jobs arrive faster than `burstPerSecond` — a bar-close burst whose senders still wait for
 * their acks — the consumer takes nothing, so the receiver and Redis keep the cores, and catches
 * up after in full (cheaper) batches. Arrivals are estimated from the wait list's length plus what
 * this consumer took, observed at every take and, while paused, at every look. The burst ends when
 * over the last `quietMs` they fell below the threshold (not below a lower one: at a steady rate
 * of half the threshold, a false start must end soon). A burst holds the consumer back at most
 * `maxPauseMs` in all, counted from its first pause: under sustained load it then stops pausing,
 * and the budget is refilled only once arrivals have stayed low for `windowMs`, so a rate
 * wavering around the threshold does not refill it. At a steady rate below the threshold it
 * never pauses.
 */
export function createBurstPacer(options: BurstPacingOptions): BurstPacer {
  const {
    burstPerSecond,
    pauseMs,
    maxPauseMs,
    minArrivals = 1,
    quietMs = 100,
    windowMs = 1_000,
    minIntervalMs = 5,
  } = options;
  let takenTotal = 0;
  /** Outside a burst: the observation the next rate is measured from. */
  let base: Point | null = null;
  /** In a burst: its observations, from the newest at least `quietMs` old. */
  let recent: Point[] = [];
  /** When the current (or last) burst's first pause began; null before any burst. */
  let burstStart: number | null = null;
  /** When the last burst ended; null while it lasts. */
  let quietSince: number | null = null;

  function budgetLeft(now: number): number {
    const left = (burstStart ?? now) + maxPauseMs - now;
    return left > 0 ? Math.min(pauseMs, left) : 0;
  }

  /** Outside a burst: does this observation start (or resume) one? */
  function starts(point: Point): boolean {
    if (base === null) {
      base = point;
      return false;
    }
    const elapsed = point.at - base.at;
    // Too soon for a rate: the next observation measures from the same base.
    if (elapsed < minIntervalMs) return false;
    const arrived = point.arrived - base.arrived;
    // A handful of arrivals is no rate yet (unless the base is too old to measure from).
    if (arrived < minArrivals && elapsed <= windowMs) return false;
    base = point;
    return elapsed <= windowMs && (arrived * 1_000) / elapsed >= burstPerSecond;
  }

  /** In a burst: did arrivals over the last `quietMs` fall below the threshold? */
  function ends(point: Point): boolean {
    recent.push(point);
    let from = -1;
    for (let i = recent.length - 1; i >= 0; i--) {
      if (point.at - recent[i]!.at >= quietMs) {
        from = i;
        break;
      }
    }
    // The burst is younger than `quietMs`: it goes on.
    if (from < 0) return false;
    if (from > 0) recent = recent.slice(from);
    const reference = recent[0]!;
    const perSecond = ((point.arrived - reference.arrived) * 1_000) / (point.at - reference.at);
    return perSecond < burstPerSecond;
  }

  return {
    taken(count) {
      takenTotal += count;
    },
    observe(waiting, now) {
      if (maxPauseMs <= 0) return 0;
      const point = { at: now, arrived: waiting + takenTotal };
      if (burstStart !== null && quietSince === null) {
        if (!ends(point)) return budgetLeft(now);
        quietSince = now;
        recent = [];
        base = point;
        return 0;
      }
      if (!starts(point)) return 0;
      // A burst that resumes within the window goes on with what is left of its budget.
      if (burstStart === null || (quietSince !== null && now - quietSince > windowMs)) burstStart = now;
      quietSince = null;
      recent = [point];
      return budgetLeft(now);
    },
  };
}
