import type { HttpResponse } from "./http-response-parser";
import { KeepAliveClient } from "./keep-alive-client";
import { LatencyRecorder } from "./latency-recorder";
import type { Ack, ClosedLoopSpec, LoadResult } from "./load-spec";
import { alertRequests, outcomeOf } from "./send-alert";
import { monotonicMs } from "./tick-source";
import { wallClockOf } from "./wall-clock";

/** N connections, each sending its next request as soon as the previous answer arrives: peak throughput. */
export async function runClosedLoop(spec: ClosedLoopSpec): Promise<LoadResult> {
  const request = alertRequests(spec.target);
  const startMs = monotonicMs();
  const measureFromMs = startMs + spec.warmupMs;
  const endMs = measureFromMs + spec.durationMs;
  const latency = new LatencyRecorder();
  const outcomes: Record<string, number> = {};
  const acks: Ack[] = [];
  /** Send time of each connection's outstanding request, by ticket (the connection's number). */
  const sentMs = new Float64Array(spec.connections);
  let n = 0;
  let inFlight = 0;
  let done: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    done = resolve;
  });

  const sendNext = (slot: number) => {
    sentMs[slot] = monotonicMs();
    inFlight++;
    client.send(request(n++), slot);
  };
  const onAnswer = (slot: number, error: string | null, response: HttpResponse | null) => {
    inFlight--;
    const doneMs = monotonicMs();
    const sent = sentMs[slot]!;
    if (sent >= measureFromMs && doneMs <= endMs) latency.record(doneMs - sent);
    const outcome = outcomeOf(error, response);
    outcomes[outcome.key] = (outcomes[outcome.key] ?? 0) + 1;
    if (outcome.orderId) acks.push({ orderId: outcome.orderId, ackAtMs: wallClockOf(doneMs) });
    if (doneMs < endMs) sendNext(slot);
    else if (inFlight === 0) done();
  };
  const client = new KeepAliveClient(spec.target.origin, spec.connections, onAnswer);
  for (let slot = 0; slot < spec.connections; slot++) sendNext(slot);

  const deadline = spec.warmupMs + spec.durationMs + spec.drainTimeoutMs + 1_000;
  await Promise.race([finished, new Promise((resolve) => setTimeout(resolve, deadline).unref())]);
  const unfinished = inFlight;
  client.destroy();
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
