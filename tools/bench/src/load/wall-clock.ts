import { performance } from "node:perf_hooks";
import { monotonicMs } from "./tick-source";

const offsetMs = performance.timeOrigin + performance.now() - monotonicMs();

/** Epoch milliseconds (sub-millisecond precision) of a monotonicMs instant, comparable with Postgres now(). */
export function wallClockOf(monotonic: number): number {
  return monotonic + offsetMs;
}
