import { AppProcess, PgBouncer, runOrderhook } from "@orderhook/testing";
import { afterEach, describe, expect, it } from "vitest";
import { closeScenariosAfterEach, Scenario } from "./harness/scenario";

closeScenariosAfterEach();

let bouncer: PgBouncer | undefined;
afterEach(async () => {
  await bouncer?.stop();
  bouncer = undefined;
});

const SECRET = "kT3+vX9qLm2/Rw8zNc5Yb1Hd6Jf0Ps4G-pgbouncer";

/** The scenario's own database, reached through a transaction-mode PgBouncer. */
async function behindPgBouncer(scenario: Scenario): Promise<string> {
  bouncer = await PgBouncer.start({ target: scenario.databaseUrl, poolMode: "transaction", poolSize: 4 });
  return bouncer.url(new URL(scenario.databaseUrl).pathname.slice(1));
}

describe("PgBouncer in transaction mode (DATABASE_POOL_MODE=transaction)", () => {
  it("without the setting the receiver refuses to start, naming PgBouncer's refusal", async () => {
    const scenario = await Scenario.create("pgb-refused", { ownDatabase: true });
    const pooled = await behindPgBouncer(scenario);
    const receiver = await AppProcess.startExpectingFailure({
      app: "receiver",
      env: scenario.env({ databaseUrl: pooled }),
    });
    expect((await receiver.exited).code, receiver.output).toBe(1);
    expect(receiver.output).toContain("unsupported startup parameter: statement_timeout");
  });

  it("CLI, receiver, worker and console all work through it, and every acked alert is exactly one row", async () => {
    const scenario = await Scenario.create("pgb", { ownDatabase: true, users: 2 });
    const pooled = await behindPgBouncer(scenario);
    const pooledEnv = { DATABASE_POOL_MODE: "transaction" };
    const cli = (args: string[], extra: Record<string, string> = {}) =>
      runOrderhook(args, { ...scenario.env({ databaseUrl: pooled, env: pooledEnv }), ...extra });

    // Migrations hold a session-level advisory lock: through the pooler they are refused, by name…
    const refused = await cli(["db", "migrate", "--json"]);
    expect(refused.code, refused.stderr).not.toBe(0);
    expect(refused.stderr).toContain("MIGRATION_DATABASE_URL");
    // …and run on the direct connection, which also makes the statement timeout the database's default.
    const migrated = await cli(["db", "migrate", "--json"], { MIGRATION_DATABASE_URL: scenario.databaseUrl });
    expect(migrated.json(), migrated.stderr).toMatchObject({ applied: 0, statementTimeoutMs: 10_000 });

    const receiver = await scenario.startReceiver({ databaseUrl: pooled, env: pooledEnv });
    await scenario.startWorker({ databaseUrl: pooled, env: pooledEnv });
    const traffic = scenario.traffic({ origin: receiver.origin, ratePerSecond: 100 });
    // An operator's writes (transactions) and reads through the pooler while alerts flow.
    const user = await cli(["user", "create", "--email", `pgb-${scenario.tag}@example.com`, "--json"]);
    expect(user.code, user.stderr).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    await traffic.stop();
    const audit = await scenario.account(traffic);
    expect(audit.acked, JSON.stringify(traffic.outcomes())).toBeGreaterThan(200);
    expect(audit.lost).toEqual([]);
    expect(audit.duplicated).toEqual([]);
    expect(audit.rows).toBe(audit.acked);
    const listed = await cli([
      "orders",
      "list",
      "--user",
      scenario.fixtures[0]!.email,
      "--limit",
      "5",
      "--json",
    ]);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.json<{ orders: unknown[] }>().orders).toHaveLength(5);

    const consoleApp = await AppProcess.start({
      app: "console",
      env: { ...scenario.env({ databaseUrl: pooled, env: pooledEnv }), CONSOLE_SESSION_SECRET: SECRET },
    });
    scenario.apps.push(consoleApp);
    const signIn = await fetch(`${consoleApp.origin}/sign-in`, {
      method: "POST",
      headers: { origin: consoleApp.origin, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token: scenario.tokens[0]! }),
      redirect: "manual",
    });
    expect(signIn.status, await signIn.text()).toBe(303);
    const cookie = signIn.headers.getSetCookie()[0]!.split(";")[0]!;
    const orders = await fetch(`${consoleApp.origin}/orders`, { headers: { cookie } });
    const page = await orders.text();
    expect(orders.status, page).toBe(200);
    const firstOrder = traffic.ackedOrderIds().find((id) => page.includes(id));
    expect(firstOrder, "the console lists orders written through the pooler").toBeDefined();
  }, 90_000);
});
