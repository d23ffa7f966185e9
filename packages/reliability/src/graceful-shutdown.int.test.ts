import { setTimeout as sleep } from "node:timers/promises";
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
});
