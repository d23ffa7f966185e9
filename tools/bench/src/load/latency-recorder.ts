import { build, type Histogram } from "hdr-histogram-js";

/** Latency percentiles in milliseconds. */
export interface LatencySummary {
  count: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

/** An HDR histogram of millisecond latencies, kept at microsecond resolution. */
export class LatencyRecorder {
  private readonly histogram: Histogram = build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000_000,
    numberOfSignificantValueDigits: 3,
  });

  record(ms: number): void {
    this.histogram.recordValue(Math.max(1, Math.round(ms * 1000)));
  }

  summary(): LatencySummary {
    const h = this.histogram;
    const at = (p: number) => (h.totalCount === 0 ? 0 : round(h.getValueAtPercentile(p) / 1000));
    return {
      count: h.totalCount,
      mean: h.totalCount === 0 ? 0 : round(h.mean / 1000),
      p50: at(50),
      p90: at(90),
      p99: at(99),
      p999: at(99.9),
      max: h.totalCount === 0 ? 0 : round(h.maxValue / 1000),
    };
  }
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
