import { randomBytes } from "node:crypto";
import postgres from "postgres";
import { afterAll, describe, expect, it } from "vitest";
import { testDatabaseUrl } from "./context";
import { terminateBackends } from "./terminate-backends";

const applicationName = `victim-${randomBytes(4).toString("hex")}`;
const victim = postgres(testDatabaseUrl(), {
  max: 2,
  onnotice: () => {},
  connection: { application_name: applicationName },
});

afterAll(() => victim.end({ timeout: 5 }));

describe("terminateBackends", () => {
  it("kills only the connections with the given application_name, and postgres.js reconnects after", async () => {
    await Promise.all([victim`select pg_sleep(0.05)`, victim`select pg_sleep(0.05)`]);
    expect(await terminateBackends(testDatabaseUrl(), applicationName)).toBe(2);
    expect(await terminateBackends(testDatabaseUrl(), applicationName)).toBe(0);
    const [row] = await victim<{ ok: number }[]>`select 1 as ok`;
    expect(row?.ok).toBe(1);
  });
});
