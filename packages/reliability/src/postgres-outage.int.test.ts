import { setTimeout as sleep } from "node:timers/promises";
import { orderJobOptions } from "@orderhook/queue";
import { terminateBackends, waitUntil } from "@orderhook/testing";
import { describe, expect, it } from "vitest";
import { recordMeasurement } from "./harness/measurements";
import { closeScenariosAfterEach, Scenario } from "./harness/scenario";

closeScenariosAfterEach();

/** The worker's `application_name` (apps/worker/src/start-worker.ts). */
const WORKER_APPLICATION_NAME = "orderhook-worker";

function postgresTarget(databaseUrl: string): { host: string; port: number } {
  const url = new URL(databaseUrl);
  return { host: url.hostname, port: Number(url.port || 5432) };
}

describe("Postgres faults", () => {
  it("retries every job whose connection was terminated (pg_terminate_backend in a loop) until all are accepted, one row each", async () => {
    const scenario = await Scenario.create("pgkill", { ownDatabase: true });
    const receiver = await scenario.startReceiver();
    let worker = await scenario.startWorker({ env: { BATCH_MAX_WAIT_MS: "50" } });
    const crashes: string[] = [];
    const traffic = scenario.traffic({ origin: receiver.origin, ratePerSecond: 60, maxAttempts: 5 });
    let terminated = 0;
    let rounds = 0;
    const until = Date.now() + 8_000;
    while (Date.now() < until) {
      terminated += await terminateBackends(scenario.databaseUrl, WORKER_APPLICATION_NAME);
      rounds++;
      // Like a platform's restart policy: a crashed worker is replaced, so the accounting still runs.
      if (!worker.running) {
        crashes.push(worker.lines.filter((line) => !line.startsWith("{")).join("\n"));
        worker = await scenario.startWorker({ env: { BATCH_MAX_WAIT_MS: "50" } });
      }
      await sleep(250);
    }
    await traffic.stop();
    await sleep(1_000);
    if (!worker.running) {
      crashes.push(worker.lines.filter((line) => !line.startsWith("{")).join("\n"));
      worker = await scenario.startWorker({ env: { BATCH_MAX_WAIT_MS: "50" } });
    }
    const result = await scenario.account(traffic, 90_000);
    const retries = scenario.apps.reduce(
      (sum, app) => sum + app.lines.filter((line) => line.includes('"order retry"')).length,
      0,
    );
    const report = JSON.stringify({ result, terminated, outcomes: traffic.outcomes() });

    expect(terminated, report).toBeGreaterThan(0);
    expect(result.acked, report).toBe(result.sent);
    expect(result.lost, report).toEqual([]);
    expect(result.duplicated, report).toEqual([]);
    expect(result.statuses, report).toEqual({ accepted: result.rows });
    recordMeasurement("pg_terminate_backend on the worker's connections every 250 ms for 8 s", {
      acked: result.acked,
      rows: result.rows,
      lost: result.lost.length,
      duplicated: result.duplicated.length,
      terminationRounds: rounds,
      connectionsTerminated: terminated,
      jobRetries: retries,
      workerCrashes: crashes.length,
    });
    expect(crashes, `the worker crashed on a terminated connection:\n${crashes.join("\n---\n")}`).toEqual([]);
  }, 150_000);

  it("keeps acking cached webhooks while Postgres is unreachable for 30 s, then writes every order as accepted", async () => {
    const scenario = await Scenario.create("pgdown", { ownDatabase: true });
    const proxy = await scenario.faultProxy({ target: postgresTarget(scenario.databaseUrl) });
    const throughProxy = proxy.url(scenario.databaseUrl);
    const receiver = await scenario.startReceiver({
      databaseUrl: throughProxy,
      // Entries go stale quickly, so the outage exercises serving stale credentials.
      env: { CREDENTIAL_CACHE_TTL_MS: "1000" },
    });
    const worker = await scenario.startWorker({ databaseUrl: throughProxy });
    const before = scenario.traffic({ origin: receiver.origin, ratePerSecond: 20, tag: `${scenario.tag}-b` });
    await sleep(1_500);
    await before.stop();

    await proxy.down("refuse");
    const outageStarted = Date.now();
    const during = scenario.traffic({ origin: receiver.origin, ratePerSecond: 20, tag: `${scenario.tag}-d` });
    await sleep(30_000);
    await during.stop();
    const workerReadyDuring = await worker.probe("/readyz", 5_000);
    await proxy.up();
    const outageMs = Date.now() - outageStarted;

    const result = await scenario.account([before, during], 120_000);
    const report = JSON.stringify({ result, outcomes: during.outcomes() });

    expect(during.outcomes(), report).toEqual({ "202": during.alerts.length });
    expect(result.lost, report).toEqual([]);
    expect(result.duplicated, report).toEqual([]);
    expect(result.statuses, report).toEqual({ accepted: result.rows });
    expect(workerReadyDuring, "the worker reported ready while Postgres was unreachable").not.toBe(200);
    expect(receiver.running && worker.running).toBe(true);
    recordMeasurement("Postgres unreachable 30 s (proxy closed)", {
      outageMs,
      ackedDuringOutage: during.ackedOrderIds().length,
      sentDuringOutage: during.alerts.length,
      slowestAckDuringOutageMs: Math.round(during.slowestMs()),
      rows: result.rows,
      lost: result.lost.length,
      duplicated: result.duplicated.length,
      jobRetries: worker.lines.filter((line) => line.includes('"order retry"')).length,
    });
  }, 240_000);

  it("keeps every queued order through an outage that starts mid-drain, and writes each exactly once when Postgres is back", async () => {
    const scenario = await Scenario.create("pgmid");
    const proxy = await scenario.faultProxy({ target: postgresTarget(scenario.databaseUrl) });
    // A little latency keeps the drain going long enough for the outage to land in its middle.
    proxy.setLatency(5);
    const worker = await scenario.startWorker({
      databaseUrl: proxy.url(scenario.databaseUrl),
      env: {
        WORKER_CONCURRENCY: "20",
        BATCH_MAX_SIZE: "10",
        BATCH_MAX_WAIT_MS: "5",
        JOB_ATTEMPTS: "50",
        DB_CONNECT_TIMEOUT_SECONDS: "2",
      },
    });
    const retries = () => worker.lines.filter((line) => line.includes('"order retry"')).length;
    try {
      const {
        queue,
        ids,
        rows: countRows,
      } = await scenario.enqueueOrders(300, orderJobOptions({ attempts: 50, backoffMs: 20 }));
      // Cut Postgres off mid-drain, with batches in flight.
      await waitUntil(
        async () => ((await countRows()) > 20 ? true : undefined),
        async () => `rows: ${await countRows()}; worker: ${worker.tail()}`,
      );
      await proxy.down("reset");
      // Queries queued in the worker's pool fail one per reconnect attempt, with postgres.js's
      // backoff between attempts: wait for the first retry, not for a moment in the delayed set.
      await waitUntil(
        async () => (retries() > 0 ? true : undefined),
        async () => `no retry yet: ${JSON.stringify(await queue.getJobCounts())}; worker: ${worker.tail()}`,
        30_000,
      );
      await sleep(1_000);
      expect(await countRows(), "nothing is written while Postgres is unreachable").toBeLessThan(300);
      await proxy.up();

      await waitUntil(
        async () => ((await queue.getCompletedCount()) === 300 ? true : undefined),
        async () => JSON.stringify(await queue.getJobCounts()),
        60_000,
      );
      const rows = await scenario.db.sql<{ status: string }[]>`
        select status from orders where id = any(${ids}::uuid[])`;
      expect(rows).toHaveLength(300);
      expect(new Set(rows.map((r) => r.status))).toEqual(new Set(["accepted"]));
      expect(await queue.getFailedCount()).toBe(0);
      const retried = (await queue.getCompleted(0, 299)).filter((j) => j.attemptsMade > 0);
      expect(retried.length, "some jobs went through a retry").toBeGreaterThan(0);
      recordMeasurement("Postgres connections reset mid-drain (proxy down, reset mode)", {
        jobs: ids.length,
        rows: rows.length,
        jobsRetried: retried.length,
        retryLines: retries(),
      });
    } finally {
      // Up again before anything closes: a worker waiting on Postgres would otherwise hold its batch.
      await proxy.up();
    }
  }, 150_000);
});
