import { RedisServer } from "@orderhook/testing";
import type { BenchOptions } from "../bench-options";
import { LoadGeneratorClient } from "../load/load-generator-client";
import { machineInfo } from "../report/machine-info";
import { openIsolatedEnvironment } from "../setup/isolated-environment";
import { assertAppsBuilt } from "../targets/orderhook-apps";
import { postgresBackends } from "../targets/postgres-backends";
import { localServices } from "../targets/process-cpu";
import { burstCapacity } from "./burst-capacity";
import type { ScaleContext } from "./scale-context";
import { runScalePhases } from "./scale-phases";
import type { ScaleResults } from "./scale-results";

/**
 * `pnpm bench --scale`: how throughput and CPU per alert change with worker processes, receiver
 * processes and PgBouncer, on a database and a redis-server of the run's own (so Redis's CPU and
 * memory are this run's alone), both removed afterwards.
 */
export async function runScale(options: BenchOptions, command: string): Promise<ScaleResults> {
  assertAppsBuilt(["receiver", "worker"]);
  const startedAt = new Date().toISOString();
  const log = (message: string) =>
    console.error(`[bench --scale ${new Date().toISOString().slice(11, 19)}] ${message}`);
  // As the compose file runs Redis: AOF with a 1 s fsync, never evicting.
  const redisServer = await RedisServer.start({ appendonly: true, appendfsync: "everysec" });
  const dbName = `orderhook_scale_${options.runId}`;
  log(`database ${dbName}, redis-server on port ${redisServer.port}`);
  try {
    const env = await openIsolatedEnvironment({
      serverUrl: options.databaseUrl,
      redisUrl: redisServer.url,
      databaseName: dbName,
      queuePrefix: options.queuePrefix,
      keepDatabase: options.keepDatabase,
    });
    const generator = new LoadGeneratorClient();
    try {
      const postgres = postgresBackends(env.sql, dbName);
      const { redis } = await localServices(env.redis);
      const ctx: ScaleContext = {
        options,
        generator,
        databaseUrl: env.databaseUrl,
        sql: env.sql,
        db: env.db,
        redisUrl: redisServer.url,
        redis: env.redis,
        services: { redis, postgres: () => postgres.pids() },
        postgres,
        drainJobs: options.drainJobs,
        log,
      };
      const machine = await machineInfo(env.sql, env.redis);
      // `--burst-capacity` alone: that search only; with `--scale`, after the other phases.
      const phases = options.scale ? await runScalePhases(ctx) : [];
      const capacity = await burstCapacity(ctx).catch((error: unknown) => {
        log(`burst capacity: failed: ${(error as Error).message}`);
        return null;
      });
      return {
        startedAt,
        finishedAt: new Date().toISOString(),
        command,
        quick: options.quick,
        note: options.note,
        machine,
        phases,
        burstCapacity: capacity,
      };
    } finally {
      generator.close();
      await env.close();
    }
  } finally {
    await redisServer.cleanup();
  }
}
