import { createDbClient } from "@orderhook/db";
import { createRedis } from "@orderhook/queue";
import type { BenchOptions } from "./bench-options";
import type { BenchResults } from "./bench-results";
import { LoadGeneratorClient } from "./load/load-generator-client";
import { benchBaseline } from "./phases/bench-baseline";
import type { BenchContext } from "./phases/bench-context";
import { benchFloor } from "./phases/bench-floor";
import { benchOrderhook } from "./phases/bench-orderhook";
import { machineInfo } from "./report/machine-info";
import { checkTargets, computeRatios } from "./report/target-checks";
import { createBenchDatabase, dropBenchDatabase } from "./setup/bench-database";
import { deleteKeys } from "./setup/delete-keys";
import { assertAppsBuilt } from "./targets/orderhook-apps";

/** Runs every selected target in its own database and queue prefix, and removes both afterwards. */
export async function runBench(options: BenchOptions, command: string): Promise<BenchResults> {
  if (options.targets.includes("orderhook")) assertAppsBuilt();
  const startedAt = new Date().toISOString();
  const log = (message: string) =>
    console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`);
  const dbName = `orderhook_bench_${options.runId}`;
  log(`database ${dbName}, queue prefix ${options.queuePrefix}`);
  const databaseUrl = await createBenchDatabase(options.databaseUrl, dbName);
  const client = createDbClient({ url: databaseUrl, max: 4, applicationName: "orderhook-bench" });
  const redis = createRedis(options.redisUrl, { maxRetriesPerRequest: null });
  const generator = new LoadGeneratorClient();
  const ctx: BenchContext = { options, generator, databaseUrl, sql: client.sql, db: client.db, redis, log };
  try {
    const machine = await machineInfo(client.sql, redis);
    const floor = options.targets.includes("floor") ? await benchFloor(ctx) : null;
    const orderhook = options.targets.includes("orderhook") ? await benchOrderhook(ctx) : null;
    const baseline = options.targets.includes("baseline") ? await benchBaseline(ctx) : null;
    const measured = { floor, orderhook, baseline };
    const ratios = computeRatios(measured);
    const { databaseUrl: _db, redisUrl: _redis, ...settings } = options;
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
    await deleteKeys(redis, options.queuePrefix);
    redis.disconnect();
    await client.close();
    if (!options.keepDatabase) await dropBenchDatabase(options.databaseUrl, dbName);
  }
}
