import { setTimeout as sleep } from "node:timers/promises";
import postgres from "postgres";
import { describe, expect, it } from "vitest";
import { recordMeasurement } from "./harness/measurements";
import { closeScenariosAfterEach, Scenario } from "./harness/scenario";

closeScenariosAfterEach();

/** The worker's `application_name` (apps/worker/src/main.ts). */
const WORKER_APPLICATION_NAME = "orderhook-worker";

/**
 * Terminates the worker's connections in the scenario's own database only: other runs and
 * other test files on the same server keep theirs.
 */
async function terminateWorkerBackends(databaseUrl: string): Promise<number> {
  const sql = postgres(databaseUrl, {
    max: 1,
    onnotice: () => {},
    connection: { application_name: "orderhook-fault-injector" },
  });
  try {
    const rows = await sql<{ terminated: boolean }[]>`
      select pg_terminate_backend(pid) as terminated from pg_stat_activity
      where application_name = ${WORKER_APPLICATION_NAME} and datname = current_database()
        and pid <> pg_backend_pid()`;
    return rows.filter((row) => row.terminated).length;
  } finally {
    await sql.end({ timeout: 5 });
  }
}

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
      terminated += await terminateWorkerBackends(scenario.databaseUrl);
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

    await proxy.disable();
    const outageStarted = Date.now();
    const during = scenario.traffic({ origin: receiver.origin, ratePerSecond: 20, tag: `${scenario.tag}-d` });
    await sleep(30_000);
    await during.stop();
    const workerReadyDuring = await worker.probe("/readyz", 5_000);
    await proxy.enable();
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
});
