import type { HttpResponse } from "./http-response-parser";
import { KeepAliveClient } from "./keep-alive-client";
import { LatencyRecorder } from "./latency-recorder";
import type { Ack, LoadResult, OpenLoopSpec } from "./load-spec";
import { alertRequests, outcomeOf } from "./send-alert";
import { monotonicMs, startTickSource } from "./tick-source";
import { wallClockOf } from "./wall-clock";

/**
 * Constant arrival rate, whatever the server does: request i is due at start + i/rate and its
 * latency counts from that intended instant, so a stall shows up in every request it delays
 * (no coordinated omission). Requests that find every connection busy wait in the client's
 * queue, and that wait is counted too.
 */
export async function runOpenLoop(spec: OpenLoopSpec): Promise<LoadResult> {
  const intervalMs = 1000 / spec.rate;
  const total = Math.round((spec.rate * (spec.warmupMs + spec.durationMs)) / 1000);
  const request = alertRequests(spec.target);
  const startMs = monotonicMs() + 20;
  const measureFromMs = startMs + spec.warmupMs;
  const latency = new LatencyRecorder();
  const sendLag = new LatencyRecorder();
  const outcomes: Record<string, number> = {};
  const acks: Ack[] = [];
  /** Request n is due at intendedMs(n); answered[n] once its answer (or failure) is in. */
  const intendedMs = (n: number) => startMs + n * intervalMs;
  const answered = new Uint8Array(total);
  let next = 0;
  let unanswered = 0;
  let measured = 0;
  let allSent = false;
  let done: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    done = resolve;
  });

  const onAnswer = (n: number, error: string | null, response: HttpResponse | null) => {
    const endMs = monotonicMs();
    if (answered[n] === 1) return;
    answered[n] = 1;
    unanswered--;
    const due = intendedMs(n);
    if (due >= measureFromMs) latency.record(endMs - due);
    const outcome = outcomeOf(error, response);
    outcomes[outcome.key] = (outcomes[outcome.key] ?? 0) + 1;
    if (outcome.orderId) acks.push({ orderId: outcome.orderId, ackAtMs: wallClockOf(endMs) });
    if (allSent && unanswered === 0) done();
  };
  const client = new KeepAliveClient(spec.target.origin, spec.maxConnections, onAnswer);

  const ticks = startTickSource(startMs, intervalMs, total, () => {
    const nowMs = monotonicMs();
    while (next < total && intendedMs(next) <= nowMs) {
      const due = intendedMs(next);
      if (due >= measureFromMs) {
        measured++;
        sendLag.record(nowMs - due);
      }
      unanswered++;
      client.send(request(next), next);
      next++;
    }
    if (next >= total && !allSent) {
      allSent = true;
      ticks.stop();
      if (unanswered === 0) done();
    }
  });

  const deadline = spec.warmupMs + spec.durationMs + spec.drainTimeoutMs + 1_000;
  await Promise.race([finished, sleep(deadline)]);
  ticks.stop();
  // Unanswered requests still count, at the latency they had reached: dropping them would
  // hide exactly the stalls an open loop exists to show.
  const giveUpMs = monotonicMs();
  for (let n = 0; n < next; n++) {
    if (answered[n] === 0 && intendedMs(n) >= measureFromMs) latency.record(giveUpMs - intendedMs(n));
  }
  const unfinished = unanswered;
  client.destroy();
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
