import { describe, expect, it } from "vitest";
import { ConfigError, cliEnvSchema, parseEnv, receiverEnvSchema, workerEnvSchema } from "./index";

describe("parseEnv", () => {
  it("gives working local defaults when nothing is set", () => {
    const env = parseEnv(receiverEnvSchema, {});
    expect(env.DATABASE_URL).toBe("postgres://postgres@127.0.0.1:5432/orderhook");
    expect(env.REDIS_URL).toBe("redis://127.0.0.1:6379");
    expect(env.PORT).toBe(3000);
    expect(env.BODY_LIMIT_BYTES).toBe(65_536);
    expect(env.RATE_LIMIT_PER_SECOND).toBe(10);
    expect(env.DEDUP_WINDOW_MS).toBe(1_000);
    expect(env.BULL_BOARD_USER).toBeUndefined();
    expect(parseEnv(cliEnvSchema, {}).DB_POOL_MAX).toBe(2);
  });

  it("names every offending variable at once", () => {
    let error: unknown;
    try {
      parseEnv(receiverEnvSchema, {
        PORT: "eighty",
        REDIS_URL: "http://localhost",
        DATABASE_URL: "mysql://x",
        RATE_LIMIT_PER_SECOND: "0",
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const variables = (error as ConfigError).issues.map((i) => i.variable).sort();
    expect(variables).toEqual(["DATABASE_URL", "PORT", "RATE_LIMIT_PER_SECOND", "REDIS_URL"]);
  });

  it('reads "false" as false, unlike z.coerce.boolean()', () => {
    expect(parseEnv(workerEnvSchema, { REDIS_ALLOW_EVICTION: "false" }).REDIS_ALLOW_EVICTION).toBe(false);
    expect(parseEnv(workerEnvSchema, { REDIS_ALLOW_EVICTION: "true" }).REDIS_ALLOW_EVICTION).toBe(true);
    expect(() => parseEnv(workerEnvSchema, { REDIS_ALLOW_EVICTION: "maybe" })).toThrow(
      /REDIS_ALLOW_EVICTION/,
    );
  });

  it("accepts Railway's variables as they come, IPv6 private hosts included", () => {
    const env = parseEnv(workerEnvSchema, {
      DATABASE_URL: "postgresql://postgres:s3cret@postgres.railway.internal:5432/railway",
      REDIS_URL: "redis://default:s3cret@redis.railway.internal:6379",
    });
    expect(env.DATABASE_URL).toContain("railway.internal");
    const receiver = parseEnv(receiverEnvSchema, {
      PORT: "8080",
      DATABASE_URL: "postgres://u@[fd12::1]:5432/db",
    });
    expect(receiver.PORT).toBe(8080);
    expect(receiver.HOST).toBe("::");
  });

  it("never echoes a variable's value in the error (it may be a secret)", () => {
    try {
      parseEnv(cliEnvSchema, { DATABASE_URL: "mysql://user:hunter2@db/x" });
      expect.unreachable("parseEnv accepted a mysql URL");
    } catch (error) {
      expect(String((error as Error).message)).not.toContain("hunter2");
    }
  });

  it("refuses a header timeout longer than the request timeout, naming the header variable", () => {
    expect(() =>
      parseEnv(receiverEnvSchema, { HTTP_HEADERS_TIMEOUT_MS: "40000", HTTP_REQUEST_TIMEOUT_MS: "30000" }),
    ).toThrow(/HTTP_HEADERS_TIMEOUT_MS/);
    expect(parseEnv(receiverEnvSchema, {}).HTTP_HEADERS_TIMEOUT_MS).toBe(10_000);
  });

  it("refuses out-of-range ports and non-numeric sizes", () => {
    expect(() => parseEnv(receiverEnvSchema, { PORT: "70000" })).toThrow(/PORT/);
    expect(() => parseEnv(receiverEnvSchema, { BODY_LIMIT_BYTES: "64k" })).toThrow(/BODY_LIMIT_BYTES/);
  });

  it("reads TRUST_PROXY as a number of trusted proxies: unset and false 0, true 1, or a count up to 10", () => {
    const hops = (value?: string) => parseEnv(receiverEnvSchema, { TRUST_PROXY: value }).TRUST_PROXY;
    expect(hops()).toBe(0);
    expect(hops("false")).toBe(0);
    expect(hops("true")).toBe(1);
    expect(hops("TRUE")).toBe(1);
    expect(hops("2")).toBe(2);
    for (const bad of ["maybe", "11", "-1", "constructor"]) {
      expect(() => hops(bad), bad).toThrow(/TRUST_PROXY/);
    }
  });

  it("refuses limits of 0 for invalid tokens per address and refusals per webhook", () => {
    for (const variable of [
      "AUTH_FAILURE_LIMIT_PER_SECOND",
      "AUTH_FAILURE_BURST",
      "REFUSAL_LIMIT_PER_SECOND",
      "REFUSAL_BURST",
    ]) {
      expect(() => parseEnv(receiverEnvSchema, { [variable]: "0" }), variable).toThrow(new RegExp(variable));
    }
  });

  it("puts the admin listener on loopback port 9465 unless told, and takes IPv6 hosts", () => {
    const env = parseEnv(receiverEnvSchema, {});
    expect([env.ADMIN_HOST, env.ADMIN_PORT, env.BULL_BOARD_READ_ONLY]).toEqual(["127.0.0.1", 9465, true]);
    const railway = parseEnv(receiverEnvSchema, { ADMIN_HOST: "::", ADMIN_PORT: "9100" });
    expect([railway.ADMIN_HOST, railway.ADMIN_PORT]).toEqual(["::", 9100]);
  });

  it("requires a strong dashboard password, and both dashboard variables or neither, naming the variable", () => {
    const board = (user: string | undefined, password: string | undefined) =>
      parseEnv(receiverEnvSchema, { BULL_BOARD_USER: user, BULL_BOARD_PASSWORD: password });
    for (const weak of ["s3cret", "aaaaaaaaaaaaaaaaaaaa", "abcdefghijklmnopqrstu", "1234567890123456"]) {
      expect(() => board("ops", weak), weak).toThrow(/BULL_BOARD_PASSWORD/);
    }
    expect(() => board("ops", undefined)).toThrow(/BULL_BOARD_PASSWORD \(must be set with BULL_BOARD_USER\)/);
    expect(() => board(undefined, "Xk3-long-enough-passw0rd")).toThrow(/BULL_BOARD_USER/);
    expect(board("ops", "correct horse battery staple").BULL_BOARD_PASSWORD).toBe(
      "correct horse battery staple",
    );
    expect(board("ops", "q8V+1xZr0m9/PaLk7Ue2Tw3b").BULL_BOARD_USER).toBe("ops");
    try {
      board("ops", "s3cret");
    } catch (error) {
      expect(String(error), "the password was echoed").not.toContain("s3cret");
    }
  });
});
