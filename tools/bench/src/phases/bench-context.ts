import type { Database } from "@orderhook/db";
import type { Redis } from "ioredis";
import type { Sql } from "postgres";
import type { BenchOptions } from "../bench-options";
import type { LoadGeneratorClient } from "../load/load-generator-client";
import type { CpuProcesses } from "../targets/process-cpu";

export interface BenchContext {
  options: BenchOptions;
  generator: LoadGeneratorClient;
  /** The bench's own database. */
  databaseUrl: string;
  sql: Sql;
  db: Database;
  redis: Redis;
  /** Local Redis and Postgres processes, whose CPU each phase reports beside the apps'. */
  services?: CpuProcesses;
  log(message: string): void;
}

/** The rate at which SPEC's latency targets are stated. */
export const TARGET_RATE = 1_000;
