import { setTimeout as sleep } from "node:timers/promises";
import type { OrderAudit } from "@orderhook/testing";
import { ClusterScenario } from "./cluster-scenario";

export interface FailoverRun {
  result: OrderAudit;
  outcomes: Record<string, number>;
  /** From the kill to a replica serving the dead master's slots with the cluster ok. */
  failoverMs: number;
}

/**
 * A Redis Cluster (3 masters with a replica each, 3 queue shards), a receiver with
 * REDIS_WAIT_REPLICAS=`waitReplicas` and two workers under steady traffic (80 alerts/s, senders
 * retrying with their key); master 0 killed with kill -9, its replica promoted, the dead node
 * restarted as the new master's replica; then the accounting.
 */
export async function masterKilledUnderTraffic(label: string, waitReplicas: number): Promise<FailoverRun> {
  const scenario = await ClusterScenario.create(label, { shards: 3 });
  try {
    const receiver = await scenario.startReceiver({
      REDIS_WAIT_REPLICAS: String(waitReplicas),
      REDIS_WAIT_TIMEOUT_MS: "500",
    });
    // Short locks: jobs a worker held on the dead master come back within seconds.
    const workerEnv = { LOCK_DURATION_MS: "2000", STALLED_INTERVAL_MS: "1000" };
    await scenario.startWorker(workerEnv);
    await scenario.startWorker(workerEnv);
    const traffic = scenario.traffic({
      origin: receiver.origin,
      ratePerSecond: 80,
      maxAttempts: 12,
      retryDelayMs: 200,
    });
    await sleep(2_500);
    const killedAt = performance.now();
    const { killed } = await scenario.cluster.killMaster(0);
    const failoverMs = Math.round(performance.now() - killedAt);
    await sleep(1_500);
    // Back as the new master's replica: with REDIS_WAIT_REPLICAS=1 its shard accepts again.
    await scenario.cluster.restartNode(killed);
    await sleep(2_500);
    await traffic.stop();
    const result = await scenario.account(traffic, 60_000);
    return { result, outcomes: traffic.outcomes(), failoverMs };
  } finally {
    await scenario.close();
  }
}
