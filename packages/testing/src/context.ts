import { randomBytes } from "node:crypto";
import { inject } from "vitest";

/** The run's database, created and migrated by the global setup. */
export function testDatabaseUrl(): string {
  return inject("databaseUrl");
}

export function testRedisUrl(): string {
  return inject("redisUrl");
}

/**
 * A Redis key / BullMQ prefix unique to this call and under this run's namespace, so the
 * global teardown removes whatever a test leaves behind.
 */
export function uniquePrefix(label = "t"): string {
  return `ohtest-${inject("runId")}-${label}-${randomBytes(4).toString("hex")}`;
}
