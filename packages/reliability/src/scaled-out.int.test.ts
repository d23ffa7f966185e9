import { setTimeout as sleep } from "node:timers/promises";
import { PgBouncer, testDatabaseUrl } from "@orderhook/testing";
import { afterEach, describe, expect, it } from "vitest";
import { ClusterScenario } from "./harness/cluster-scenario";

// Every scale-out knob at once (issue #14): a 3-master Redis Cluster (a replica each) with three
// queue shards, WEB_CONCURRENCY=2 receiver processes, two workers, and Postgres behind PgBouncer
// in transaction mode for all of them.

let scenario: ClusterScenario | undefined;
let bouncer: PgBouncer | undefined;
afterEach(async () => {
  await scenario?.close();
  await bouncer?.stop();
});

describe("fully scaled out: Redis Cluster, 3 shards, 2 receiver processes, 2 workers, PgBouncer", () => {
  it("acks from both receiver processes, writes every acked alert exactly once, with jobs on all three masters", async () => {
    scenario = await ClusterScenario.create("scaled", { shards: 3 });
    bouncer = await PgBouncer.start({ target: testDatabaseUrl(), poolMode: "transaction", poolSize: 6 });
    const pooled = {
      DATABASE_URL: bouncer.url(new URL(testDatabaseUrl()).pathname.slice(1)),
      DATABASE_POOL_MODE: "transaction",
    };
    const receiver = await scenario.startReceiver({ ...pooled, WEB_CONCURRENCY: "2" });
    await scenario.startWorker(pooled);
    await scenario.startWorker(pooled);
    const ready = () => receiver.lines.filter((line) => line.includes('"receiver process ready"')).length;
    await receiver.waitFor(async () => ready() === 2, 30_000, "two ready receiver processes");

    // Two senders' connections: the primary hands them to the children in turn.
    const traffic = [
      scenario.traffic({ origin: receiver.origin, ratePerSecond: 40, maxAttempts: 5 }),
      scenario.traffic({ origin: receiver.origin, ratePerSecond: 40, maxAttempts: 5 }),
    ];
    await sleep(4_000);
    await Promise.all(traffic.map((t) => t.stop()));
    const result = await scenario.account(traffic, 60_000);
    const report = JSON.stringify({ result, outcomes: traffic.map((t) => t.outcomes()) });
    expect(result.acked, report).toBeGreaterThan(150);
    expect(result.lost, report).toEqual([]);
    expect(result.duplicated, report).toEqual([]);
    expect(result.statuses, report).toEqual({ accepted: result.rows });

    // Both children answered alerts (pids of the access log's accepted requests).
    const servers = new Set(
      receiver.lines
        .filter((line) => line.includes('"msg":"request"') && line.includes('"outcome":"accepted"'))
        .map((line) => (JSON.parse(line) as { pid: number }).pid),
    );
    expect(servers.size, receiver.tail()).toBe(2);

    // Each shard completed jobs, and the shards' queues sit on three different masters.
    const completed = await scenario.completedPerShard();
    expect(
      completed.every((n) => n > 0),
      JSON.stringify(completed),
    ).toBe(true);
    expect(await scenario.shardMasterCount()).toBe(3);
  }, 90_000);
});
