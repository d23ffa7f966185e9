import { createDbClient } from "@orderhook/db";
import {
  AppProcess,
  createFixture,
  testDatabaseUrl,
  testRedisUrl,
  uniquePrefix,
  waitUntil,
} from "@orderhook/testing";
import { describe, expect, it } from "vitest";
import { SseReader } from "../test/sse-reader";

const SECRET = "kT3+vX9qLm2/Rw8zNc5Yb1Hd6Jf0Ps4G-main";

function env(extra: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: testDatabaseUrl(),
    REDIS_URL: testRedisUrl(),
    QUEUE_PREFIX: uniquePrefix("console-main"),
    CONSOLE_SESSION_SECRET: SECRET,
    ...extra,
  };
}

describe("the console process", () => {
  it("refuses to start in production without a session secret, naming the variable and never a value", async () => {
    const { CONSOLE_SESSION_SECRET: _, ...rest } = env({ CONSOLE_ADMIN_PASSWORD: "short" });
    const app = await AppProcess.startExpectingFailure({ app: "console", env: rest });
    expect((await app.exited).code, app.output).toBe(1);
    expect(app.output).toContain("CONSOLE_SESSION_SECRET: must be set in production");
    expect(app.output).toContain("CONSOLE_ADMIN_PASSWORD: must be at least 16 characters");
    expect(app.output).not.toContain("short");
  });

  it("refuses to start against a database that is not migrated", async () => {
    const url = new URL(testDatabaseUrl());
    url.pathname = "/postgres";
    const app = await AppProcess.startExpectingFailure({
      app: "console",
      env: env({ DATABASE_URL: url.toString() }),
    });
    expect((await app.exited).code, app.output).toBe(1);
    expect(app.output).toContain("not migrated");
  });

  it("serves the sign-in page, is ready, and on SIGTERM ends open live streams and exits 0", async () => {
    const db = createDbClient({ url: testDatabaseUrl(), max: 1, applicationName: "orderhook-console-test" });
    const fixture = await createFixture(db.db).finally(() => db.close());
    const app = await AppProcess.start({ app: "console", env: env() });
    try {
      const page = await fetch(`${app.origin}/sign-in`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain("Webhook URL or token");
      const signIn = await fetch(`${app.origin}/sign-in`, {
        method: "POST",
        headers: { origin: app.origin, "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ token: fixture.token }),
        redirect: "manual",
      });
      expect(signIn.status).toBe(303);
      const cookie = signIn.headers.getSetCookie()[0]!.split(";")[0]!;
      const events = await fetch(`${app.origin}/events`, { headers: { cookie } });
      expect(events.status).toBe(200);
      const stream = new SseReader(events.body!);
      await waitUntil(
        async () => stream.of("ready")[0],
        () => JSON.stringify(stream.messages),
        5_000,
      );

      // The open stream is ended, not waited for: the process exits well inside its timeout.
      expect(await app.stop(10_000), app.tail()).toEqual({ code: 0, signal: null });
      await stream.done;
      expect(app.output).toContain("console stopped");
      expect(app.output).toContain('"route":"/sign-in"');
      expect(app.output, "no log line carries the token").not.toContain(fixture.token);
    } finally {
      await app.kill();
    }
  }, 60_000);
});
