import cluster from "node:cluster";
import { AggregatorRegistry, type Registry } from "prom-client";

const REQUEST = "orderhook:cluster-metrics";
const RESPONSE = "orderhook:cluster-metrics-response";

interface MetricsRequest {
  type: typeof REQUEST;
  id: number;
}

interface MetricsResponse {
  type: typeof RESPONSE;
  id: number;
  text?: string;
  error?: string;
}

/**
 * Primary side: answers a child's request for every child's metrics, summed (or as each
 * metric's `aggregator` says) by prom-client's AggregatorRegistry, which asks each child over IPC.
 */
export function serveClusterMetrics(): void {
  const aggregator = new AggregatorRegistry();
  cluster.on("message", (worker, message: MetricsRequest) => {
    if (message?.type !== REQUEST) return;
    const reply = (answer: Omit<MetricsResponse, "type" | "id">) => {
      if (worker.isConnected()) worker.send({ type: RESPONSE, id: message.id, ...answer });
    };
    aggregator.clusterMetrics().then(
      (text) => reply({ text }),
      (error: Error) => reply({ error: error.message }),
    );
  });
}

export interface ClusterMetricsMember {
  /** From now on the primary reads this registry of this process. */
  share(registry: Registry): void;
  /** Every child's metrics, aggregated: asked of the primary. */
  render(): Promise<string>;
}

/**
 * Child side, called first thing: answers the primary's requests at once (with nothing until
 * `share`), so a scrape while a child starts or restarts still completes; `render` lets
 * whichever child the admin listener hands a scrape to answer for all of them.
 */
export function joinClusterMetrics(): ClusterMetricsMember {
  new AggregatorRegistry();
  AggregatorRegistry.setRegistries([]);
  let next = 0;
  const waiting = new Map<number, (answer: MetricsResponse) => void>();
  process.on("message", (message: MetricsResponse) => {
    if (message?.type !== RESPONSE) return;
    waiting.get(message.id)?.(message);
  });
  return {
    share(registry) {
      AggregatorRegistry.setRegistries([registry]);
    },
    render() {
      return new Promise<string>((resolve, reject) => {
        const id = next++;
        // prom-client gives up on a silent child after 5 s; a lost reply is bounded the same way.
        const timer = setTimeout(
          () => answer({ type: RESPONSE, id, error: "the primary did not answer" }),
          6_000,
        );
        function answer(message: MetricsResponse) {
          clearTimeout(timer);
          waiting.delete(id);
          if (message.text !== undefined) resolve(message.text);
          else reject(new Error(`cluster metrics: ${message.error ?? "no answer"}`));
        }
        waiting.set(id, answer);
        process.send?.({ type: REQUEST, id } satisfies MetricsRequest);
      });
    },
  };
}
