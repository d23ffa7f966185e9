import { setTimeout as sleep } from "node:timers/promises";
import { userShard } from "@orderhook/queue";
import type { AlertTraffic, OrderAudit } from "@orderhook/testing";
import { Scenario } from "./scenario";

export interface ReshardRun {
  result: OrderAudit;
  /** Users whose shard changed. */
  movedUsers: number;
  /** Keys retried through the new receivers after the change: same order, or not. */
  retried: number;
  retriedWithAnotherOrder: string[];
  outcomes: Record<string, number>;
}

const FAST_RECOVERY = { LOCK_DURATION_MS: "2000", STALLED_INTERVAL_MS: "1000" };

/** Waits until `traffic` has started at least `count` alerts. */
async function untilSent(traffic: AlertTraffic, count: number): Promise<void> {
  while (traffic.alerts.length < count) await sleep(50);
}

/**
 * docs/redis-cluster.md's procedure for changing QUEUE_SHARDS from `from` to `to`, under
 * traffic: receivers and a worker on `from` shards; new ones started with QUEUE_SHARDS=`to`
 * and QUEUE_SHARDS_PREVIOUS=`from` while the traffic moves over, the old ones stopped (SIGTERM);
 * then every alert of the first traffic is sent again, with its key, through the new receiver:
 * each must get its first order back (moved users' keys are found in their old shard), and
 * every acked alert must be exactly one row.
 */
export async function reshardUnderTraffic(label: string, from: number, to: number): Promise<ReshardRun> {
  const scenario = await Scenario.create(label, { users: 8 });
  try {
    const shards = (count: number, previous = 0) => ({
      QUEUE_SHARDS: String(count),
      QUEUE_SHARDS_PREVIOUS: String(previous),
    });
    // Every process up front, so the change itself takes no longer than a rollout's switch.
    // (The new worker may start early: it consumes the old shards too.)
    const [oldReceiver, oldWorker, newReceiver] = await Promise.all([
      scenario.startReceiver({ env: shards(from) }),
      scenario.startWorker({ env: { ...FAST_RECOVERY, ...shards(from) } }),
      scenario.startReceiver({ env: shards(to, from) }),
      scenario.startWorker({ env: { ...FAST_RECOVERY, ...shards(to, from) } }),
    ]);
    const before = scenario.traffic({ origin: oldReceiver.origin, ratePerSecond: 50, maxAttempts: 5 });
    await untilSent(before, 60);
    // The change: traffic moves to the new receiver while the old one still answers its own.
    const during = scenario.traffic({ origin: newReceiver.origin, ratePerSecond: 50, maxAttempts: 5 });
    await untilSent(during, 30);
    await before.stop();
    await Promise.all([oldReceiver.stop(), oldWorker.stop()]);

    // The first traffic's senders retry every alert, same key and body, through the new receiver.
    const again = scenario.traffic({
      origin: newReceiver.origin,
      tag: before.tag,
      ratePerSecond: 200,
      maxAttempts: 5,
    });
    await untilSent(again, before.alerts.length);
    await again.stop();
    await sleep(500);
    await during.stop();
    const result = await scenario.account([before, during, again], 60_000);

    const firstOrder = new Map<string, string>();
    for (const alert of before.alerts) {
      const id = alert.attempts.find((a) => a.orderId !== null)?.orderId;
      if (id) firstOrder.set(alert.idempotencyKey, id);
    }
    const retriedWithAnotherOrder: string[] = [];
    let retried = 0;
    for (const alert of again.alerts) {
      const first = firstOrder.get(alert.idempotencyKey);
      if (first === undefined) continue;
      retried++;
      const id = alert.attempts.find((a) => a.orderId !== null)?.orderId;
      if (id !== first) retriedWithAnotherOrder.push(alert.idempotencyKey);
    }
    const outcomes: Record<string, number> = {};
    for (const run of [before, during, again]) {
      for (const [outcome, n] of Object.entries(run.outcomes()))
        outcomes[outcome] = (outcomes[outcome] ?? 0) + n;
    }
    return {
      result,
      movedUsers: scenario.userIds.filter((user) => userShard(user, from) !== userShard(user, to)).length,
      retried,
      retriedWithAnotherOrder,
      outcomes,
    };
  } finally {
    await scenario.close();
  }
}
