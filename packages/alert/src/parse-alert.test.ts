import { OrderhookError } from "@orderhook/errors";
import { describe, expect, it } from "vitest";
import { assertFresh, parseAlert } from "./parse-alert";

function fieldErrors(body: unknown): { field: string; message: string }[] {
  try {
    parseAlert(body);
  } catch (error) {
    expect(error).toBeInstanceOf(OrderhookError);
    expect((error as OrderhookError).code).toBe("invalid_order");
    return (error as OrderhookError).errors ?? [];
  }
  throw new Error("parseAlert accepted the alert");
}

describe("parseAlert", () => {
  it("normalizes a minimal market buy with defaults and nulls", () => {
    expect(parseAlert({ ticker: "aapl", action: "buy", quantity: 10 })).toEqual({
      ticker: "AAPL",
      action: "buy",
      quantity: 10,
      orderType: "market",
      limitPrice: null,
      stopPrice: null,
      timeInForce: "day",
      takeProfit: null,
      stopLoss: null,
      signalPrice: null,
      sentiment: null,
      account: null,
      idempotencyKey: null,
      alertTime: null,
      maxLagSeconds: null,
      comment: null,
    });
  });

  it("resolves the symbol and price aliases, upper-case enums and numeric strings", () => {
    const alert = parseAlert({
      symbol: "BTCUSD",
      action: "SELL",
      quantity: "0.5",
      price: "64000.25",
      orderType: "LIMIT",
      limitPrice: "64100",
      timeInForce: "GTC",
      sentiment: "Short",
      takeProfit: { percent: "2" },
    });
    expect(alert).toMatchObject({
      ticker: "BTCUSD",
      action: "sell",
      quantity: 0.5,
      signalPrice: 64000.25,
      orderType: "limit",
      limitPrice: 64100,
      timeInForce: "gtc",
      sentiment: "short",
      takeProfit: { percent: 2 },
    });
  });

  it("keeps ticker over its alias when both are given and ignores unknown fields", () => {
    expect(parseAlert({ ticker: "AAPL", symbol: "MSFT", action: "exit", strategy: "x" }).ticker).toBe("AAPL");
  });

  it("reports one error per offending field", () => {
    expect(fieldErrors({ ticker: "", action: "hold", quantity: -1 }).map((e) => e.field)).toEqual([
      "ticker",
      "action",
      "quantity",
    ]);
  });

  it("requires a quantity for buy and sell, and the prices an order type needs", () => {
    expect(fieldErrors({ ticker: "AAPL", action: "buy" })).toEqual([
      { field: "quantity", message: "is required for buy orders" },
    ]);
    expect(
      fieldErrors({ ticker: "AAPL", action: "sell", quantity: 1, orderType: "stop_limit" }).map(
        (e) => e.field,
      ),
    ).toEqual(["limitPrice", "stopPrice"]);
  });

  it("refuses brackets with more than one of price, percent and amount", () => {
    expect(
      fieldErrors({ ticker: "AAPL", action: "buy", quantity: 1, stopLoss: { price: 1, percent: 2 } })[0]
        ?.field,
    ).toBe("stopLoss");
  });

  it("refuses a body that is not an object", () => {
    expect(fieldErrors([1, 2])).toEqual([{ field: "", message: "expected a JSON object" }]);
  });

  it("reads alertTime as epoch seconds, milliseconds or ISO-8601", () => {
    const base = { ticker: "AAPL", action: "exit" };
    expect(parseAlert({ ...base, alertTime: 1_750_000_000 }).alertTime).toBe(1_750_000_000_000);
    expect(parseAlert({ ...base, alertTime: "1750000000000" }).alertTime).toBe(1_750_000_000_000);
    expect(parseAlert({ ...base, alertTime: "2025-06-15T15:06:40Z" }).alertTime).toBe(1_750_000_000_000);
    expect(fieldErrors({ ...base, maxLagSeconds: 5 })).toEqual([
      { field: "alertTime", message: "is required when maxLagSeconds is set" },
    ]);
  });
});

describe("assertFresh", () => {
  const alert = parseAlert({ ticker: "AAPL", action: "exit", alertTime: 1_000, maxLagSeconds: 30 });

  it("lets an alert within its maxLagSeconds through", () => {
    expect(() => assertFresh(alert, 1_000_000 + 30_000)).not.toThrow();
  });

  it("refuses an older one with stale_signal", () => {
    expect(() => assertFresh(alert, 1_000_000 + 30_001)).toThrow(
      expect.objectContaining({ code: "stale_signal" }) as unknown as Error,
    );
  });
});
