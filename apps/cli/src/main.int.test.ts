import { freePort, runOrderhook, testDatabaseUrl, testRedisUrl, uniquePrefix } from "@orderhook/testing";
import { describe, expect, it } from "vitest";

/** The CLI as operators run it: its own process, which must exit by itself (no open handles). */
function orderhook(args: string[], env: Record<string, string> = {}) {
  return runOrderhook(args, {
    DATABASE_URL: testDatabaseUrl(),
    REDIS_URL: testRedisUrl(),
    QUEUE_PREFIX: uniquePrefix("climain"),
    ...env,
  });
}

describe("orderhook as a process", () => {
  it("prints the demo webhook as JSON and exits 0 on its own", async () => {
    const result = await orderhook(["demo", "--json"]);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      token: expect.stringMatching(/^oh_/),
      url: expect.stringContaining("/v1/webhooks/oh_"),
    });
  });

  it("exits 1 with one line on stderr when Redis is down, without hanging", async () => {
    const result = await orderhook(["jobs", "failed"], {
      REDIS_URL: `redis://127.0.0.1:${await freePort()}`,
    });
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toMatch(/^orderhook: unavailable: Redis at 127\.0\.0\.1:\d+ is unreachable .*\n$/);
  });
});
