import { cpus, totalmem } from "node:os";
import type { Redis } from "ioredis";
import type { Sql } from "postgres";

export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
  postgres: string;
  redis: string;
  platform: string;
}

export async function machineInfo(sql: Sql, redis: Redis): Promise<MachineInfo> {
  const [pg] = await sql<{ server_version: string }[]>`show server_version`;
  const info = await redis.info("server");
  return {
    cpu: cpus()[0]?.model.trim() ?? "unknown",
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    postgres: pg?.server_version ?? "unknown",
    redis: /redis_version:(\S+)/.exec(info)?.[1] ?? "unknown",
    platform: `${process.platform} ${process.arch}`,
  };
}
