import { setTimeout as sleep } from "node:timers/promises";
import { createRedis, orderJobKey } from "@orderhook/queue";
import { AppProcess, waitUntil } from "@orderhook/testing";
import { describe, expect, it } from "vitest";
import { recordMeasurement } from "./harness/measurements";
import { closeScenariosAfterEach, Scenario } from "./harness/scenario";

closeScenariosAfterEach();

describe("graceful shutdown under load", () => {
  it("drops no accepted request and loses no job when the receiver and then the worker get SIGTERM during traffic; both exit 0", async () => {
    const scenario = await Scenario.create("sigterm");
    // 60 ms each way to Redis: every request spends ~250 ms inside the receiver, so SIGTERM
    // always lands with requests in flight.
    const proxy = await scenario.faultProxy({ target: { host: "127.0.0.1", port: scenario.redis.port } });
    const first = await scenario.startReceiver({ redisUrl: proxy.url(scenario.redis.url) });
    const second = await scenario.startReceiver();
    // Batches wait up to 200 ms, so the worker is stopped with jobs active and rows unwritten.
    const workerEnv = { BATCH_MAX_WAIT_MS: "200", LOCK_DURATION_MS: "2000", STALLED_INTERVAL_MS: "1000" };
    const draining = await scenario.startWorker({ env: workerEnv });
    let target = first;
    // A load balancer's view: the draining replica leaves the pool the moment it gets SIGTERM.
    const traffic = scenario.traffic({
      origin: () => target.origin,
      ratePerSecond: 80,
      maxAttempts: 5,
      retryDelayMs: 200,
    });

    await sleep(2_500);
    proxy.setLatency(60);
    await sleep(500);
    const inFlightAtReceiverStop = traffic.inFlightCount;
    first.signal("SIGTERM");
    target = second;
    const receiverExit = await first.exited;

    await sleep(1_000);
    const workerStop = draining.stop(30_000);
    const replacement = await scenario.startWorker({ env: workerEnv });
    const workerExit = await workerStop;
    await sleep(2_000);
    await traffic.stop();
    const result = await scenario.account(traffic, 60_000);
    const outcomes = traffic.outcomes();
    const recovered = replacement.lines.filter((line) => line.includes("job stalled")).length;
    const report = JSON.stringify({ result, outcomes, receiverExit, workerExit, recovered });

    expect(inFlightAtReceiverStop, report).toBeGreaterThan(0);
    expect(receiverExit, `${report}\n${first.tail()}`).toEqual({ code: 0, signal: null });
    expect(workerExit, `${report}\n${draining.tail()}`).toEqual({ code: 0, signal: null });
    expect(result.lost, report).toEqual([]);
    expect(result.duplicated, report).toEqual([]);
    // A request the receiver took in but never answered would show up as a row nobody acked.
    expect(result.unconfirmed, report).toBe(0);
    expect(result.refusedButWritten, report).toEqual([]);
    expect(result.acked, report).toBe(result.sent);
    expect(result.statuses, report).toEqual({ accepted: result.rows });
    expect(outcomes.timeout ?? 0, report).toBe(0);
    // The draining worker finished its active jobs itself: none had to be recovered as stalled.
    expect(recovered, report).toBe(0);
    recordMeasurement("SIGTERM receiver, then worker, during 80 alerts/s", {
      sent: result.sent,
      acked: result.acked,
      rows: result.rows,
      lost: result.lost.length,
      duplicated: result.duplicated.length,
      inFlightAtReceiverStop,
      receiverExitCode: receiverExit.code,
      workerExitCode: workerExit.code,
      connectionErrors: Object.entries(outcomes)
        .filter(([key]) => key.startsWith("error"))
        .reduce((sum, [, n]) => sum + n, 0),
      stalledJobsRecovered: recovered,
      outcomes,
    });
  }, 120_000);

  it("drains a receiver on SIGTERM under traffic: no 5xx, exit 0, and every 202 is a job in Redis", async () => {
    const scenario = await Scenario.create("drain");
    const redis = createRedis(scenario.redis.url);
    try {
      const receiver = await scenario.startReceiver({ env: { SHUTDOWN_TIMEOUT_MS: "10000" } });
      const traffic = scenario.traffic({ origin: receiver.origin, ratePerSecond: 100 });
      while (traffic.ackedOrderIds().length < 20) await sleep(20);
      const exit = await receiver.kill("SIGTERM");
      await traffic.stop();
      const outcomes = JSON.stringify(traffic.outcomes());

      expect(exit, receiver.tail()).toEqual({ code: 0, signal: null });
      expect(receiver.output).toContain("receiver stopped");
      const answered = traffic.alerts.flatMap((alert) => alert.attempts).filter((a) => a.status !== 0);
      expect(
        answered.filter((a) => a.status !== 202),
        outcomes,
      ).toEqual([]);
      const acked = traffic.ackedOrderIds();
      const exists = await Promise.all(acked.map((id) => redis.exists(orderJobKey(scenario.prefix, id))));
      expect(
        exists.filter((n) => n !== 1),
        outcomes,
      ).toEqual([]);
      expect(acked.length, outcomes).toBeGreaterThanOrEqual(20);
    } finally {
      redis.disconnect();
    }
  }, 120_000);

  it("drains and exits 0 when SIGTERM reaches a receiver that is still starting", async () => {
    const scenario = await Scenario.create("early");
    // The proxy accepts the receiver's Redis connections but holds every byte: start-up waits.
    const proxy = await scenario.faultProxy({ target: { host: "127.0.0.1", port: scenario.redis.port } });
    proxy.pause();
    const receiver = await AppProcess.launch({
      app: "receiver",
      env: scenario.env({ redisUrl: proxy.url(scenario.redis.url) }),
    });
    try {
      await receiver.waitFor(async () => proxy.connectionCount > 0, 30_000, "a connection to Redis");
      receiver.signal("SIGTERM");
      proxy.resume();
      const exit = await receiver.exited;
      expect(exit, receiver.tail()).toEqual({ code: 0, signal: null });
      expect(receiver.output).toContain('"signal":"SIGTERM"');
      expect(receiver.output).toContain("receiver stopped");
    } finally {
      await receiver.kill();
    }
  }, 60_000);

  it("serves job, batch and queue metrics while a worker drains; on SIGTERM it stops taking jobs, finishes the active ones, exits 0", async () => {
    const scenario = await Scenario.create("wdrain");
    const { queue, ids, rows } = await scenario.enqueueOrders(2_000);
    const worker = await scenario.startWorker({
      env: { BATCH_MAX_WAIT_MS: "50", WORKER_CONCURRENCY: "100" },
    });
    await waitUntil(
      async () => ((await queue.getCompletedCount()) > 50 ? true : undefined),
      async () => `${JSON.stringify(await queue.getJobCounts())}; worker output: ${worker.tail()}`,
      60_000,
    );
    const metrics = await (await fetch(`${worker.origin}/metrics`)).text();
    expect(metrics, metrics).toMatch(/^orderhook_worker_jobs_total\{outcome="accepted",code=""\} [1-9]/m);
    expect(metrics).toMatch(/^orderhook_queue_jobs\{state="waiting",shard="0"\} \d+/m);
    expect(metrics).toMatch(/^orderhook_worker_batch_size_count [1-9]/m);
    expect(metrics).toMatch(/^nodejs_eventloop_lag_seconds /m);
    const exit = await worker.kill("SIGTERM");
    expect(exit, worker.tail()).toEqual({ code: 0, signal: null });
    const counts = await queue.getJobCounts("active", "completed", "waiting", "failed");
    expect(counts.active, JSON.stringify(counts)).toBe(0);
    expect(counts.failed, JSON.stringify(counts)).toBe(0);
    expect(await rows(), JSON.stringify({ counts, jobs: ids.length })).toBe(counts.completed);
    expect(worker.output).toContain('"msg":"stopped"');
  }, 90_000);
});
