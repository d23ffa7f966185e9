import { createDbClient } from "@orderhook/db";
import { testDatabaseUrl } from "@orderhook/testing";
import { describe, expect, it } from "vitest";

describe("the worker's Postgres client", () => {
  it("fails a query cancelled on a fresh connection without an unhandled rejection (no array-type lookup)", async () => {
    const unhandled: unknown[] = [];
    const collect = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", collect);
    // A 1 ms statement_timeout cancels whatever runs first on each new connection, as a
    // pg_terminate_backend during start-up would (porsager/postgres #1192).
    const client = createDbClient({
      url: testDatabaseUrl(),
      max: 2,
      applicationName: "orderhook-worker-test",
      statementTimeoutMs: 1,
      fetchTypes: false,
    });
    try {
      const results = await Promise.allSettled(
        Array.from({ length: 4 }, () => client.sql`select pg_sleep(0.01)`),
      );
      expect(results.every((r) => r.status === "rejected")).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 200));
    } finally {
      process.off("unhandledRejection", collect);
      await client.close();
    }
    expect(unhandled.map(String)).toEqual([]);
  });
});
