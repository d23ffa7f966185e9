import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { testDatabaseUrl, testRedisUrl, uniquePrefix } from "@orderhook/testing";
import { beforeAll, describe, expect, it } from "vitest";
import type { BenchResults } from "./bench-results";
import type { DrainPhaseResult, ReceiverPhaseResult, ScaleResults } from "./scale/scale-results";
import type { StressResults } from "./stress/run-stress";

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const BUILT = ["apps/receiver/dist/main.js", "apps/worker/dist/main.js"];

/** Runs a root script the way a user does, against this test run's Postgres and Redis; never throws. */
async function pnpm(
  script: string,
  args: string[],
  timeoutMs = 230_000,
): Promise<{ code: number; stdout: string }> {
  const child = run(
    "pnpm",
    [
      "--silent",
      script,
      ...args,
      "--database-url",
      testDatabaseUrl(),
      "--redis-url",
      testRedisUrl(),
      "--queue-prefix",
      uniquePrefix(script),
    ],
    { cwd: ROOT, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 },
  );
  try {
    const { stdout, stderr } = await child;
    return { code: 0, stdout: `${stdout}\n${stderr}` };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: `${e.stdout ?? ""}\n${e.stderr ?? ""}` };
  }
}

// 5xx only: a client-side timeout (`error …`) on a loaded CI machine says nothing about the service.
const serverErrors = (outcomes: Record<string, number>) =>
  Object.keys(outcomes).filter((k) => /^5\d\d/.test(k));

beforeAll(async () => {
  // CI builds before testing; a developer running this file alone gets the build done for them.
  if (BUILT.some((path) => !existsSync(join(ROOT, path)))) {
    await run("pnpm", ["--filter", "@orderhook/receiver", "--filter", "@orderhook/worker", "run", "build"], {
      cwd: ROOT,
      timeout: 170_000,
    });
  }
}, 180_000);

/** `pnpm <script> --quick` with its JSON written to a file of its own, read back and removed. */
async function quickRun<T>(
  script: string,
  args: string[] = [],
  timeoutMs?: number,
): Promise<{ code: number; stdout: string; results: T }> {
  const out = join(tmpdir(), `${uniquePrefix(script)}.json`);
  try {
    const { code, stdout } = await pnpm(script, [...args, "--quick", "--out", out], timeoutMs);
    expect(code, stdout).toBe(0);
    return { code, stdout, results: JSON.parse(await readFile(out, "utf8")) as T };
  } finally {
    await rm(out, { force: true });
  }
}

describe("pnpm bench --quick", () => {
  it("completes every phase, the burst included, and accounts for every acknowledged alert: none lost, none duplicated, no 5xx", async () => {
    const { stdout, results } = await quickRun<BenchResults>("bench");
    const o = results.orderhook!;
    expect(o.accounting.acked, stdout).toBeGreaterThan(0);
    expect(o.accounting, stdout).toMatchObject({ lost: 0, duplicated: 0 });
    expect(results.baseline!.accounting, stdout).toMatchObject({ lost: 0, duplicated: 0 });
    expect(results.drain!.rows, stdout).toBe(results.drain!.jobs);
    for (const phase of [...o.open, o.closed!, o.openWithWorker!]) {
      expect(serverErrors(phase.outcomes), stdout).toEqual([]);
    }
    expect(o.endToEnd!.count, stdout).toBe(o.openWithWorker!.outcomes["202"]);
    expect(stdout).toContain("Accounting: every acknowledged orderId has exactly one row");

    // The flood phase: random tokens are refused (401, or 429 once their address is over its
    // limit) without Postgres, and the real sender beside them is still accepted.
    const flood = results.flood!;
    expect(Object.keys(flood.flood.outcomes).sort(), stdout).toEqual([
      "401 invalid_token",
      "429 rate_limited",
    ]);
    expect(Object.keys(flood.quiet.outcomes), stdout).toEqual(["202"]);
    expect(Object.keys(flood.flooded.outcomes), stdout).toEqual(["202"]);
    expect(flood.postgres.floodRequests, stdout).toBeGreaterThan(1_000);
    expect(flood.postgres.perFloodRequest!, stdout).toBeLessThan(0.01);
    expect(stdout).toContain("Postgres transactions per flood request");

    // The burst phase: every alert of the burst answered 202 at the floor and at orderhook, and
    // every orderhook ack written exactly once (its commit announced), warm-up included.
    const burst = results.burst!;
    expect(
      burst.bursts.map((b) => b.alerts),
      stdout,
    ).toEqual([1_000]);
    for (const run of [burst.bursts[0]!.floor!, burst.bursts[0]!.orderhook!]) {
      expect(run.outcomes, stdout).toEqual({ "202": 1_000 });
      expect(run, stdout).toMatchObject({ alerts: 1_000, acked: 1_000, unfinished: 0 });
      expect(run.latency.count, stdout).toBe(1_000);
      expect(run.percentMs, stdout).toHaveLength(101);
    }
    const orderhook = burst.bursts[0]!.orderhook!;
    expect(orderhook.accounting, stdout).toEqual({
      acked: 1_000,
      rows: 1_000,
      lost: 0,
      duplicated: 0,
      unacknowledged: 0,
    });
    expect(burst.warmupAccounting, stdout).toMatchObject({
      acked: burst.warmupAlerts,
      lost: 0,
      duplicated: 0,
    });
    expect(orderhook.lastRowMs, stdout).not.toBeNull();
    expect(Object.keys(orderhook.cpuUsPerAck.untilLastRow!), stdout).toEqual(
      expect.arrayContaining(["receiver", "worker", "generator"]),
    );
    // The admission script admitted every ack, up to 32 alerts of a turn per call (the receiver's
    // ADMISSION_BATCH_MAX); the worker's own scripts may add to the count.
    const evalsha = orderhook.redisCommands!.untilLastAck.find((c) => c.command === "evalsha");
    expect(evalsha?.calls, stdout).toBeGreaterThanOrEqual(Math.ceil(1_000 / 32));
    expect(stdout).toContain("Bar-close bursts: CPU µs per ack");
  }, 240_000);
});

describe("pnpm bench --scale --quick", () => {
  it("drains with 1, 2 and 4 workers, through PgBouncer and on a Redis Cluster with 1 and 3 shards, and serves with 1 and 2 receiver processes and with REDIS_WAIT_REPLICAS=1", async () => {
    // The burst capacity search runs after the other phases: more time than the other runs.
    const { stdout, results } = await quickRun<ScaleResults>("bench", ["--scale"], 320_000);
    const byName = Object.fromEntries(results.phases.map((p) => [p.name, p]));
    for (const name of ["drain-1", "drain-2", "drain-4", "drain-1-pgbouncer"]) {
      const phase = byName[name] as DrainPhaseResult;
      expect(phase.kind, `${name}: ${stdout}`).toBe("drain");
      expect(phase.rows, stdout).toBe(phase.jobs);
      expect(Object.keys(phase.cpuUsPerOrder), stdout).toEqual(expect.arrayContaining(["worker", "redis"]));
    }
    expect(Object.keys((byName["drain-1-pgbouncer"] as DrainPhaseResult).cpuUsPerOrder)).toContain(
      "pgbouncer",
    );
    for (const name of ["receiver-1", "receiver-2"]) {
      const phase = byName[name] as ReceiverPhaseResult;
      expect(phase.kind, `${name}: ${stdout}`).toBe("receiver");
      expect(phase.peakAcksPerSecond, stdout).toBeGreaterThan(0);
      expect(serverErrors(phase.refused), stdout).toEqual([]);
      expect(phase.cpuUsPerAck.receiver, stdout).toBeGreaterThan(0);
    }
    for (const name of ["shards-1", "shards-3"]) {
      const phase = byName[name] as DrainPhaseResult;
      expect(phase.kind, `${name}: ${stdout}`).toBe("drain");
      expect(phase.rows, stdout).toBe(phase.jobs);
    }
    expect(Object.keys((byName["shards-3"] as DrainPhaseResult).cpuUsPerOrder), stdout).toEqual(
      expect.arrayContaining(["redis-0", "redis-1", "redis-2"]),
    );
    expect(byName["wait-replicas-1"]?.kind, stdout).toBe("receiver");
    expect(stdout).toContain("Worker drain");
    expect(
      results.burstCapacity?.searches.map((s) => s.webConcurrency),
      stdout,
    ).toEqual([1, 2]);
  }, 330_000);
});

describe("pnpm bench --burst-capacity --quick", () => {
  it("searches the largest burst acknowledged within 3 s with 1 and 2 receiver processes, every trial's acks exactly one row each", async () => {
    const { stdout, results } = await quickRun<ScaleResults>("bench", ["--burst-capacity"]);
    // Alone, only the search runs.
    expect(results.phases, stdout).toEqual([]);
    const capacity = results.burstCapacity!;
    expect(capacity, stdout).toMatchObject({ connections: 256, users: 10, start: 200, maxTrials: 3 });
    expect(
      capacity.searches.map((s) => s.webConcurrency),
      stdout,
    ).toEqual([1, 2]);
    for (const search of capacity.searches) {
      expect(search.trials.length, stdout).toBeGreaterThan(0);
      expect(search.trials.length, stdout).toBeLessThanOrEqual(3);
      expect(search.trials[0]!.alerts, stdout).toBe(200);
      expect(search, stdout).toMatchObject({ warmupLost: 0, warmupDuplicated: 0 });
      for (const trial of search.trials) {
        expect(trial, stdout).toMatchObject({ lost: 0, duplicated: 0 });
        expect(serverErrors(trial.outcomes), stdout).toEqual([]);
        // Whether a burst fits is timing; that every fit is a full, accounted burst is not.
        if (trial.fits) expect(trial, stdout).toMatchObject({ acked: trial.alerts, over3s: 0 });
      }
      if (search.largest !== null) {
        expect(search.best?.alerts, stdout).toBe(search.largest);
        expect(search.best?.cpuUsPerAck.receiver, stdout).toBeGreaterThan(0);
      }
    }
    expect(stdout).toContain("Largest burst acknowledged within 3 s");
  }, 240_000);
});

describe("pnpm stress --quick", () => {
  it("answers every kind of traffic with the right status, no 5xx, and writes each accepted alert exactly once", async () => {
    const { stdout, results } = await quickRun<StressResults>("stress");
    expect(results, stdout).toMatchObject({ ok: true, serverErrors: 0, unexpected: 0, splitKeys: 0 });
    expect(results.accounting, stdout).toMatchObject({ lost: 0, duplicated: 0 });
    expect(results.accounting.acked, stdout).toBeGreaterThan(0);
    const bursts = results.scenarios.find((s) => s.name === "bursts")!;
    expect(bursts.outcomes["429 rate_limited"], stdout).toBeGreaterThan(0);
  }, 240_000);
});
