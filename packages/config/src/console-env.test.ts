import { describe, expect, it } from "vitest";
import { consoleEnvSchema } from "./console-env";
import { ConfigError, parseEnv } from "./parse-env";

const SECRET = "kT3+vX9qLm2/Rw8zNc5Yb1Hd6Jf0Ps4G";
const PASSWORD = "q8V+1xZr0m9/PaLk7Ue2Tw3b";

function variablesOf(error: unknown): string[] {
  expect(error).toBeInstanceOf(ConfigError);
  return (error as ConfigError).issues.map((issue) => issue.variable).sort();
}

function failure(env: Record<string, string | undefined>): ConfigError {
  try {
    parseEnv(consoleEnvSchema, env);
  } catch (error) {
    return error as ConfigError;
  }
  throw new Error("the environment was accepted");
}

describe("consoleEnvSchema", () => {
  it("listens on 3001, sends test alerts to a local receiver and has no operator sign-in by default", () => {
    const env = parseEnv(consoleEnvSchema, {});
    expect(env.CONSOLE_PORT).toBe(3001);
    expect(env.CONSOLE_HOST).toBe("::");
    expect(env.CONSOLE_RECEIVER_URL).toBe("http://127.0.0.1:3000");
    expect(env.CONSOLE_ADMIN_PASSWORD).toBeUndefined();
    expect(env.CONSOLE_SESSION_SECRET).toBeUndefined();
    expect(env.CONSOLE_COOKIE_SECURE).toBe("auto");
    expect(env.TRUST_PROXY).toBe(0);
    expect(env.DB_POOL_MAX).toBe(3);
  });

  it("requires a session secret in production, and a strong one whenever it is set", () => {
    expect(variablesOf(failure({ NODE_ENV: "production" }))).toEqual(["CONSOLE_SESSION_SECRET"]);
    for (const weak of ["s3cret", "abcdefghijklmnopqrstuvwxyz012345".slice(0, 31), "a".repeat(40)]) {
      expect(variablesOf(failure({ CONSOLE_SESSION_SECRET: weak })), weak).toEqual([
        "CONSOLE_SESSION_SECRET",
      ]);
    }
    const env = parseEnv(consoleEnvSchema, { NODE_ENV: "production", CONSOLE_SESSION_SECRET: SECRET });
    expect(env.CONSOLE_SESSION_SECRET).toBe(SECRET);
  });

  it("refuses a weak operator password, or one equal to the session secret, never echoing it", () => {
    for (const weak of ["hunter2", "aaaaaaaaaaaaaaaaaaaa", "1234567890123456"]) {
      const error = failure({ CONSOLE_ADMIN_PASSWORD: weak });
      expect(variablesOf(error), weak).toEqual(["CONSOLE_ADMIN_PASSWORD"]);
      expect(error.message).not.toContain(weak);
    }
    const same = failure({ CONSOLE_ADMIN_PASSWORD: SECRET, CONSOLE_SESSION_SECRET: SECRET });
    expect(variablesOf(same)).toEqual(["CONSOLE_ADMIN_PASSWORD"]);
    expect(parseEnv(consoleEnvSchema, { CONSOLE_ADMIN_PASSWORD: PASSWORD }).CONSOLE_ADMIN_PASSWORD).toBe(
      PASSWORD,
    );
  });

  it("reads TRUST_PROXY as the receiver does, and names every other bad variable at once", () => {
    expect(parseEnv(consoleEnvSchema, { TRUST_PROXY: "true" }).TRUST_PROXY).toBe(1);
    const error = failure({
      CONSOLE_PORT: "http",
      CONSOLE_RECEIVER_URL: "ftp://receiver",
      CONSOLE_PUBLIC_URL: "console.example.com",
      CONSOLE_COOKIE_SECURE: "maybe",
      TRUST_PROXY: "sometimes",
    });
    expect(variablesOf(error)).toEqual([
      "CONSOLE_COOKIE_SECURE",
      "CONSOLE_PORT",
      "CONSOLE_PUBLIC_URL",
      "CONSOLE_RECEIVER_URL",
      "TRUST_PROXY",
    ]);
  });

  it("describes every variable of its own for the configuration reference", () => {
    const own = Object.entries(consoleEnvSchema.shape).filter(
      ([name]) => name.startsWith("CONSOLE_") || name === "DB_POOL_MAX" || name === "TRUST_PROXY",
    );
    expect(own.length).toBeGreaterThan(10);
    const undescribed = own.filter(([, field]) => !field.description).map(([name]) => name);
    expect(undescribed).toEqual([]);
  });
});
