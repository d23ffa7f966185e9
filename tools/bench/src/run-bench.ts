import type { BenchOptions } from "./bench-options";
import type { BenchResults } from "./bench-results";
import { LoadGeneratorClient } from "./load/load-generator-client";
import { benchBaseline } from "./phases/bench-baseline";
import { benchBurst } from "./phases/bench-burst";
import type { BenchContext } from "./phases/bench-context";
import { benchFlood } from "./phases/bench-flood";
import { benchFloor } from "./phases/bench-floor";
import { benchOrderhook } from "./phases/bench-orderhook";
import { benchRunningOrderhook } from "./phases/bench-running-orderhook";
import { benchWorkerDrain } from "./phases/bench-worker-drain";
import { machineInfo } from "./report/machine-info";
import { checkTargets, computeRatios } from "./report/target-checks";
import { openIsolatedEnvironment } from "./setup/isolated-environment";
import { assertAppsBuilt } from "./targets/orderhook-apps";
import { localServices } from "./targets/process-cpu";

/** Runs every selected target in its own database and queue prefix, and removes both afterwards. */
export async function runBench(options: BenchOptions, command: string): Promise<BenchResults> {
  if (options.targets.includes("orderhook") && !options.receiverUrl) assertAppsBuilt(["receiver", "worker"]);
  if (options.targets.includes("drain")) assertAppsBuilt(["worker"]);
  if (options.targets.includes("flood")) assertAppsBuilt(["receiver"]);
  if (options.targets.includes("burst") && !options.receiverUrl) assertAppsBuilt(["receiver", "worker"]);
  const startedAt = new Date().toISOString();
  const log = (message: string) =>
    console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`);
  const dbName = `orderhook_bench_${options.runId}`;
  log(`database ${dbName}, queue prefix ${options.queuePrefix}`);
  const env = await openIsolatedEnvironment({
    serverUrl: options.databaseUrl,
    redisUrl: options.redisUrl,
    databaseName: dbName,
    queuePrefix: options.queuePrefix,
    keepDatabase: options.keepDatabase,
  });
  const generator = new LoadGeneratorClient();
  const services = await localServices(env.redis);
  const ctx: BenchContext = { options, generator, ...env, services, log };
  try {
    const machine = await machineInfo(env.sql, env.redis);
    const floor = options.targets.includes("floor") ? await benchFloor(ctx) : null;
    const orderhook = !options.targets.includes("orderhook")
      ? null
      : options.receiverUrl && options.receiverDatabaseUrl
        ? await benchRunningOrderhook(ctx, options.receiverUrl, options.receiverDatabaseUrl)
        : await benchOrderhook(ctx);
    const drain = options.targets.includes("drain") ? await benchWorkerDrain(ctx) : null;
    const baseline = options.targets.includes("baseline") ? await benchBaseline(ctx) : null;
    const flood = options.targets.includes("flood") ? await benchFlood(ctx) : null;
    // It starts a receiver and worker of its own: against a running deployment there is no CPU to read.
    if (options.targets.includes("burst") && options.receiverUrl) log("burst: skipped with --receiver-url");
    const burst = options.targets.includes("burst") && !options.receiverUrl ? await benchBurst(ctx) : null;
    const measured = { floor, orderhook, baseline, drain, flood, burst };
    const ratios = computeRatios(measured);
    const { databaseUrl: _db, redisUrl: _redis, receiverDatabaseUrl: _rdb, ...settings } = options;
    return {
      startedAt,
      finishedAt: new Date().toISOString(),
      command,
      quick: options.quick,
      machine,
      settings,
      ...measured,
      ratios,
      targets: checkTargets(measured, ratios),
    };
  } finally {
    generator.close();
    await env.close();
  }
}
