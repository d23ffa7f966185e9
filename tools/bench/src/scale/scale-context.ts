import type { Database } from "@orderhook/db";
import type { Redis } from "ioredis";
import type { Sql } from "postgres";
import type { BenchOptions } from "../bench-options";
import type { LoadGeneratorClient } from "../load/load-generator-client";
import type { PostgresBackends } from "../targets/postgres-backends";
import type { CpuProcesses } from "../targets/process-cpu";

/** What every `--scale` phase gets: the bench's own database and a Redis server of the run's own. */
export interface ScaleContext {
  options: BenchOptions;
  generator: LoadGeneratorClient;
  /** The bench's own database (direct). */
  databaseUrl: string;
  sql: Sql;
  db: Database;
  /** The run's own redis-server: its CPU and memory are this run's alone. */
  redisUrl: string;
  redis: Redis;
  /** The run's Redis and its database's Postgres processes, read beside the apps' CPU. */
  services: CpuProcesses;
  /** Refresh before a CPU window opens and before it is read: backends come and go. */
  postgres: PostgresBackends;
  /** Orders a drain phase pre-fills. */
  drainJobs: number;
  log(message: string): void;
}
