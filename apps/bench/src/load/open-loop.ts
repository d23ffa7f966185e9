import { Pool } from "undici";
import { LatencyRecorder } from "./latency-recorder";
import type { Ack, LoadResult, OpenLoopSpec } from "./load-spec";
import { sendAlert } from "./send-alert";
import { monotonicMs, startTickSource } from "./tick-source";
import { wallClockOf } from "./wall-clock";

/**
 * Constant arrival rate, whatever the server does: request i is due at start + i/rate and its
 * latency counts from that intended instant, so a stall shows up in every request it delays
 * (no coordinated omission). Requests that find every connection busy wait in the pool's queue,
 * and that wait is counted too.
 */
export async function runOpenLoop(spec: OpenLoopSpec): Promise<LoadResult> {
  const pool = new Pool(spec.target.origin, {
    connections: spec.maxConnections,
    pipelining: 1,
    headersTimeout: spec.drainTimeoutMs,
    bodyTimeout: spec.drainTimeoutMs,
  });
  const intervalMs = 1000 / spec.rate;
  const total = Math.round((spec.rate * (spec.warmupMs + spec.durationMs)) / 1000);
  const startMs = monotonicMs() + 20;
  const measureFromMs = startMs + spec.warmupMs;
  const latency = new LatencyRecorder();
  const sendLag = new LatencyRecorder();
  const outcomes: Record<string, number> = {};
  const acks: Ack[] = [];
  let next = 0;
  /** Intended send times of the requests still unanswered, by request number. */
  const inFlight = new Map<number, number>();
  let measured = 0;
  let allSent = false;

  const finished = new Promise<void>((resolve) => {
    const fire = (n: number, intendedMs: number, nowMs: number) => {
      const inWindow = intendedMs >= measureFromMs;
      if (inWindow) {
        measured++;
        sendLag.record(nowMs - intendedMs);
      }
      inFlight.set(n, intendedMs);
      void sendAlert(pool, spec.target, n).then((outcome) => {
        const endMs = monotonicMs();
        if (!inFlight.has(n)) return; // already charged as unanswered
        if (inWindow) latency.record(endMs - intendedMs);
        outcomes[outcome.key] = (outcomes[outcome.key] ?? 0) + 1;
        if (outcome.orderId) acks.push({ orderId: outcome.orderId, ackAtMs: wallClockOf(endMs) });
        inFlight.delete(n);
        if (allSent && inFlight.size === 0) resolve();
      });
    };
    const ticks = startTickSource(startMs, intervalMs, total, () => {
      const nowMs = monotonicMs();
      while (next < total && startMs + next * intervalMs <= nowMs) {
        fire(next, startMs + next * intervalMs, nowMs);
        next++;
      }
      if (next >= total && !allSent) {
        allSent = true;
        ticks.stop();
        if (inFlight.size === 0) resolve();
      }
    });
  });

  const deadline = spec.warmupMs + spec.durationMs + spec.drainTimeoutMs + 1_000;
  await Promise.race([finished, sleep(deadline)]);
  // Unanswered requests still count, at the latency they had reached: dropping them would
  // hide exactly the stalls an open loop exists to show.
  const giveUpMs = monotonicMs();
  for (const intendedMs of inFlight.values()) {
    if (intendedMs >= measureFromMs) latency.record(giveUpMs - intendedMs);
  }
  const unfinished = inFlight.size;
  inFlight.clear();
  await pool.destroy();
  const summary = latency.summary();
  return {
    kind: "open",
    rate: spec.rate,
    connections: spec.maxConnections,
    requests: measured,
    throughput: Math.round((summary.count / spec.durationMs) * 1000),
    latency: summary,
    sendLag: sendLag.summary(),
    outcomes,
    unfinished,
    acks,
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
