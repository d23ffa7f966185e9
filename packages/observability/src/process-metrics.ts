import { collectDefaultMetrics, type Registry } from "prom-client";

/**
 * prom-client also sums its active handles, requests and resources into gauges named
 * `…_total`, a suffix Prometheus keeps for counters (`promtool check metrics` refuses it).
 * The per-type gauges (`nodejs_active_handles{type}` …) carry the same numbers: sum them.
 */
const TOTAL_GAUGES = [
  "nodejs_active_handles_total",
  "nodejs_active_requests_total",
  "nodejs_active_resources_total",
];

/**
 * Node's process metrics (CPU, memory, heap, GC, event-loop lag, handles) on `registry`,
 * prom-client's defaults without the gauges Prometheus's naming rules refuse.
 */
export function registerProcessMetrics(
  registry: Registry,
  options: { eventLoopMonitoringPrecision?: number } = {},
): void {
  collectDefaultMetrics({ register: registry, ...options });
  for (const name of TOTAL_GAUGES) registry.removeSingleMetric(name);
}
