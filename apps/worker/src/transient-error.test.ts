import { OrderhookError } from "@orderhook/errors";
import { describe, expect, it } from "vitest";
import { isRowError, isTransientError } from "./transient-error";

const withCode = (code: string) => Object.assign(new Error(code), { code });

describe("isTransientError", () => {
  it("retries refused and reset connections and postgres.js connection losses", () => {
    for (const code of ["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "CONNECTION_CLOSED", "CONNECT_TIMEOUT"]) {
      expect(isTransientError(withCode(code)), code).toBe(true);
    }
  });

  it("retries serialization failures, deadlocks, shutdowns and the connection and resource classes", () => {
    for (const code of ["40001", "40P01", "57P01", "57014", "08006", "08001", "53300", "53100"]) {
      expect(isTransientError(withCode(code)), code).toBe(true);
    }
  });

  it("does not call data, constraint or schema errors transient", () => {
    for (const code of ["22P05", "23505", "23503", "42703", "42P01"]) {
      expect(isTransientError(withCode(code)), code).toBe(false);
    }
    expect(isTransientError(new TypeError("x is undefined"))).toBe(false);
  });

  it("follows the retryable flag of orderhook errors", () => {
    expect(isTransientError(new OrderhookError("unavailable"))).toBe(true);
    expect(isTransientError(new OrderhookError("invalid_job"))).toBe(false);
  });
});

describe("isRowError", () => {
  it("blames data exceptions and integrity violations on a row, never schema or connection errors", () => {
    expect(isRowError(withCode("22P05"))).toBe(true);
    expect(isRowError(withCode("23503"))).toBe(true);
    expect(isRowError(withCode("42703"))).toBe(false);
    expect(isRowError(withCode("ECONNRESET"))).toBe(false);
  });
});
