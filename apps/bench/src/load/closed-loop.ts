import { Pool } from "undici";
import { LatencyRecorder } from "./latency-recorder";
import type { Ack, ClosedLoopSpec, LoadResult } from "./load-spec";
import { sendAlert } from "./send-alert";
import { monotonicMs } from "./tick-source";
import { wallClockOf } from "./wall-clock";

/** N connections, each sending its next request as soon as the previous answer arrives: peak throughput. */
export async function runClosedLoop(spec: ClosedLoopSpec): Promise<LoadResult> {
  const pool = new Pool(spec.target.origin, {
    connections: spec.connections,
    pipelining: 1,
    headersTimeout: spec.drainTimeoutMs,
    bodyTimeout: spec.drainTimeoutMs,
  });
  const startMs = monotonicMs();
  const measureFromMs = startMs + spec.warmupMs;
  const endMs = measureFromMs + spec.durationMs;
  const latency = new LatencyRecorder();
  const outcomes: Record<string, number> = {};
  const acks: Ack[] = [];
  let n = 0;
  let inFlight = 0;

  const loop = async () => {
    for (let sentMs = monotonicMs(); sentMs < endMs; sentMs = monotonicMs()) {
      inFlight++;
      const outcome = await sendAlert(pool, spec.target, n++);
      inFlight--;
      const doneMs = monotonicMs();
      if (sentMs >= measureFromMs && doneMs <= endMs) latency.record(doneMs - sentMs);
      outcomes[outcome.key] = (outcomes[outcome.key] ?? 0) + 1;
      if (outcome.orderId) acks.push({ orderId: outcome.orderId, ackAtMs: wallClockOf(doneMs) });
    }
  };
  const loops = Promise.all(Array.from({ length: spec.connections }, loop));
  const deadline = spec.warmupMs + spec.durationMs + spec.drainTimeoutMs + 1_000;
  await Promise.race([loops, new Promise((resolve) => setTimeout(resolve, deadline).unref())]);
  const unfinished = inFlight;
  await pool.destroy();
  const summary = latency.summary();
  return {
    kind: "closed",
    rate: null,
    connections: spec.connections,
    requests: summary.count,
    throughput: Math.round((summary.count / spec.durationMs) * 1000),
    latency: summary,
    sendLag: null,
    outcomes,
    unfinished,
    acks,
  };
}
