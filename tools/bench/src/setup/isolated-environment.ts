import { createDbClient, type Database } from "@orderhook/db";
import { createRedis } from "@orderhook/queue";
import { deleteKeys } from "@orderhook/testing";
import type { Redis } from "ioredis";
import type { Sql } from "postgres";
import { onInterrupt } from "../targets/child-registry";
import { createBenchDatabase, dropBenchDatabase } from "./bench-database";

export interface IsolatedEnvironment {
  /** A database of this run's own, migrated. */
  databaseUrl: string;
  sql: Sql;
  db: Database;
  redis: Redis;
  /** Drops the database (unless kept) and every Redis key under the run's prefix. */
  close(): Promise<void>;
}

/** Its own database and Redis key prefix, so a run can share Postgres and Redis with anything else. */
export async function openIsolatedEnvironment(options: {
  serverUrl: string;
  redisUrl: string;
  databaseName: string;
  queuePrefix: string;
  keepDatabase?: boolean;
}): Promise<IsolatedEnvironment> {
  const databaseUrl = await createBenchDatabase(options.serverUrl, options.databaseName);
  const client = createDbClient({ url: databaseUrl, max: 4, applicationName: "orderhook-bench" });
  const redis = createRedis(options.redisUrl, { maxRetriesPerRequest: null });
  const drop = async () => {
    await deleteKeys(redis, `${options.queuePrefix}*`);
    if (!options.keepDatabase) await dropBenchDatabase(options.serverUrl, options.databaseName);
  };
  const forget = onInterrupt(drop);
  return {
    databaseUrl,
    sql: client.sql,
    db: client.db,
    redis,
    async close() {
      forget();
      try {
        await deleteKeys(redis, `${options.queuePrefix}*`);
      } finally {
        redis.disconnect();
        await client.close();
        if (!options.keepDatabase) await dropBenchDatabase(options.serverUrl, options.databaseName);
      }
    },
  };
}
