import { randomBytes } from "node:crypto";
import { scratchDatabase } from "@orderhook/testing";
import { afterAll, describe, expect, it } from "vitest";
import { cliRunner } from "../test/capture-cli";

const { run } = cliRunner();
const email = () => `user-${randomBytes(5).toString("hex")}@Example.test`;

describe("orderhook db migrate", () => {
  const scratch = scratchDatabase("cli");
  afterAll(() => scratch.drop());

  it("creates a missing database, applies every migration, and applies nothing the second time", async () => {
    const first = await run(["db", "migrate", "--json"], { DATABASE_URL: scratch.url });
    expect(first.code, first.stderr).toBe(0);
    expect(first.json()).toMatchObject({ databaseCreated: true, applied: first.json().total });
    expect(first.json<{ total: number }>().total).toBeGreaterThan(0);

    const second = await run(["db", "migrate"], { DATABASE_URL: scratch.url });
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toMatch(/applied\s+0 migration/);
  });
});

describe("orderhook user create", () => {
  it("creates a user with a lower-cased email, name and rate limit", async () => {
    const address = email();
    const result = await run([
      "user",
      "create",
      "--email",
      address,
      "--name",
      "Ada",
      "--rate-limit",
      "25",
      "--json",
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.json()).toMatchObject({
      email: address.toLowerCase(),
      name: "Ada",
      rateLimitPerSecond: 25,
    });
  });

  it("refuses a second user with the same email in another case, in one line on stderr", async () => {
    const address = email();
    expect((await run(["user", "create", "--email", address])).code).toBe(0);
    const again = await run(["user", "create", "--email", address.toUpperCase()]);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toBe(
      `orderhook: conflict: a user with email ${address.toLowerCase()} already exists\n`,
    );
    expect(again.stdout).toBe("");
  });

  it("reports a bad email as a JSON error with --json", async () => {
    const result = await run(["user", "create", "--email", "not-an-email", "--json"]);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stderr), result.stderr).toEqual({
      error: { code: "invalid_argument", message: '"not-an-email" is not an email address' },
    });
  });

  it("refuses a rate limit that is not a positive whole number", async () => {
    const words = await run(["user", "create", "--email", email(), "--rate-limit", "fast"]);
    expect(words.code).toBe(1);
    expect(words.stderr, words.stderr).toMatch(/^orderhook: invalid_argument: .*--rate-limit.*whole number/);
    const zero = await run(["user", "create", "--email", email(), "--rate-limit", "0"]);
    expect(zero.code).toBe(1);
    expect(zero.stderr).toMatch(/invalid_argument: rate limit must be a whole number from 1/);
  });

  it("names a missing required option", async () => {
    const result = await run(["user", "create", "--json"]);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stderr).error, result.stderr).toMatchObject({
      code: "invalid_argument",
      message: expect.stringContaining("--email"),
    });
  });
});

describe("orderhook account create", () => {
  it("creates a paper account for a user and refuses the same name twice", async () => {
    const owner = email();
    await run(["user", "create", "--email", owner]);
    const created = await run(["account", "create", "--user", owner, "--name", "main", "--json"]);
    expect(created.code, created.stderr).toBe(0);
    expect(created.json()).toMatchObject({ name: "main", broker: "paper", active: true });

    const duplicate = await run(["account", "create", "--user", owner, "--name", "main"]);
    expect(duplicate.code).toBe(1);
    expect(duplicate.stderr).toBe(
      `orderhook: conflict: ${owner.toLowerCase()} already has an account named "main"\n`,
    );
  });

  it("lists a user's accounts, oldest first", async () => {
    const owner = email();
    await run(["user", "create", "--email", owner]);
    await run(["account", "create", "--user", owner, "--name", "first"]);
    await run(["account", "create", "--user", owner, "--name", "second", "--broker", "paper"]);
    const result = await run(["account", "list", "--user", owner, "--json"]);
    expect(result.code, result.stderr).toBe(0);
    const { accounts } = result.json<{ accounts: { name: string }[] }>();
    expect(accounts.map((a) => a.name)).toEqual(["first", "second"]);
  });

  it("says which user is unknown", async () => {
    const result = await run([
      "account",
      "create",
      "--user",
      "nobody@example.test",
      "--name",
      "main",
      "--json",
    ]);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stderr), result.stderr).toEqual({
      error: { code: "not_found", message: "no user with email nobody@example.test" },
    });
  });
});

describe("orderhook (whole program)", () => {
  it("prints help and exits 0 without needing a valid environment", async () => {
    const result = await run(["--help"], { DATABASE_URL: "mysql://nowhere" });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain("webhook");
  });

  it("refuses an unknown command with exit code 1", async () => {
    const result = await run(["frobnicate"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe("orderhook: invalid_argument: unknown command 'frobnicate'\n");
  });

  it("names a bad environment variable without echoing its value", async () => {
    const result = await run(["orders", "list", "--json"], { DATABASE_URL: "mysql://root:hunter2@db/x" });
    expect(result.code).toBe(1);
    const { error } = JSON.parse(result.stderr);
    expect(error.code, result.stderr).toBe("invalid_config");
    expect(error.message).toContain("DATABASE_URL");
    expect(result.stderr).not.toContain("hunter2");
  });

  it("says to run db migrate when the database does not exist yet", async () => {
    const missing = scratchDatabase("none");
    const result = await run(["orders", "list"], { DATABASE_URL: missing.url });
    expect(result.code).toBe(1);
    expect(result.stderr, result.stderr).toMatch(
      /^orderhook: unavailable: .*does not exist; run `pnpm orderhook db migrate` first\n$/,
    );
  });

  it("reports an unreachable Postgres as unavailable", async () => {
    const result = await run(["orders", "list"], {
      DATABASE_URL: "postgres://postgres@127.0.0.1:1/orderhook",
      DB_CONNECT_TIMEOUT_SECONDS: "2",
    });
    expect(result.code).toBe(1);
    expect(result.stderr, result.stderr).toMatch(/^orderhook: unavailable: Postgres is unreachable/);
  });
});
