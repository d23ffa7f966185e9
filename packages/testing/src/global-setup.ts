import { randomBytes } from "node:crypto";
import { findMigrationsFolder, runMigrations } from "@orderhook/db";
import { Redis } from "ioredis";
import postgres from "postgres";
import type { TestProject } from "vitest/node";
import { deleteKeys } from "./delete-keys";
import { ensureServices } from "./services";

declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
    redisUrl: string;
    runId: string;
  }
}

const DEFAULT_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres";

/**
 * One database and one Redis key prefix per test run, so runs sharing a machine never
 * meet; both are removed at the end.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const adminUrl = process.env.TEST_DATABASE_ADMIN_URL ?? DEFAULT_ADMIN_URL;
  const redisUrl = process.env.TEST_REDIS_URL ?? process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
  await ensureServices(adminUrl, redisUrl);

  const runId = `${Date.now().toString(36)}${randomBytes(3).toString("hex")}`;
  const dbName = `orderhook_test_${runId}`;
  const databaseUrl = new URL(adminUrl);
  databaseUrl.pathname = `/${dbName}`;
  await runMigrations({
    url: databaseUrl.toString(),
    migrationsFolder: findMigrationsFolder(import.meta.dirname),
  });

  project.provide("databaseUrl", databaseUrl.toString());
  project.provide("redisUrl", redisUrl);
  project.provide("runId", runId);

  return async function teardown() {
    const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
    try {
      await admin.unsafe(`drop database if exists "${dbName}" with (force)`);
    } finally {
      await admin.end({ timeout: 5 });
    }
    const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      await redis.connect();
      await deleteKeys(redis, `ohtest-${runId}*`);
    } finally {
      redis.disconnect();
    }
  };
}
