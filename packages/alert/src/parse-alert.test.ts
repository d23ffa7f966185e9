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
      quantity: "10",
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
      quantity: "0.5",
      signalPrice: "64000.25",
      orderType: "limit",
      limitPrice: "64100",
      timeInForce: "gtc",
      sentiment: "short",
      takeProfit: { percent: "2" },
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
      {
        field: "quantity",
        message:
          "is required for buy orders (or give the webhook a default: orderhook webhook update <id> --default-quantity <n>)",
      },
    ]);
    expect(
      fieldErrors({ ticker: "AAPL", action: "sell", quantity: 1, orderType: "stop_limit" }).map(
        (e) => e.field,
      ),
    ).toEqual(["limitPrice", "stopPrice"]);
  });

  it("takes the webhook's default quantity for a buy or sell alert without one, and only for those", () => {
    const traderspost = { ticker: "SQ", action: "buy", price: "72.15" };
    expect(parseAlert(traderspost, null, "0.5")).toMatchObject({ action: "buy", quantity: "0.5" });
    expect(parseAlert({ ...traderspost, action: " SELL " }, null, "3")).toMatchObject({ quantity: "3" });
    expect(parseAlert({ ...traderspost, quantity: "2" }, null, "0.5").quantity).toBe("2");
    expect(parseAlert({ ...traderspost, action: "exit" }, null, "0.5").quantity).toBeNull();
    expect(parseAlert({ ...traderspost, action: "cancel" }, null, "0.5").quantity).toBeNull();
    // A quantity that is there but wrong is the sender's error, not a reason to use the default.
    expect(() => parseAlert({ ...traderspost, quantity: "0" }, null, "0.5")).toThrow(
      expect.objectContaining({
        errors: [{ field: "quantity", message: "must be greater than 0" }],
      }) as unknown as Error,
    );
    expect(() => parseAlert({ ...traderspost, action: "hold" }, null, "0.5")).toThrow(
      expect.objectContaining({ errors: [expect.objectContaining({ field: "action" })] }) as unknown as Error,
    );
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

describe("parseAlert decimals", () => {
  const base = { ticker: "BTCUSD", action: "buy" };

  it("keeps decimal strings digit for digit, trailing zeros included", () => {
    for (const quantity of [
      "1",
      "1.0",
      "0.00125",
      "624580925.81617162",
      "0.123456789012345678",
      "99999999999999999999",
    ]) {
      expect(parseAlert({ ...base, quantity }).quantity).toBe(quantity);
    }
  });

  it("normalizes other spellings to the text Postgres stores", () => {
    const cases: [string | number, string][] = [
      [" 42 ", "42"],
      ["007.50", "7.50"],
      [".5", "0.5"],
      ["5.", "5"],
      ["1.5e3", "1500"],
      ["1.50E1", "15.0"],
      ["1e-7", "0.0000001"],
      [1e-7, "0.0000001"],
      [64000.25, "64000.25"],
    ];
    for (const [quantity, expected] of cases) {
      expect(parseAlert({ ...base, quantity }).quantity, String(quantity)).toBe(expected);
    }
  });

  it("refuses values out of bounds or not decimals, with a message naming the bound", () => {
    const cases: [unknown, string][] = [
      ["0", "must be greater than 0"],
      ["-1", "must be greater than 0"],
      ["0.0000000000000000001", "must have at most 18 digits after the decimal point"],
      ["1.0000000000000000000", "must have at most 18 digits after the decimal point"],
      ["100000000000000000000", "must have at most 20 digits before the decimal point"],
      ["1e400", "must have at most 20 digits before the decimal point"],
      [1e21, "must have at most 20 digits before the decimal point"],
      ["1,5", 'expected a decimal number such as 1.5 or "0.00125" (a JSON number or a string)'],
      ["0x10", 'expected a decimal number such as 1.5 or "0.00125" (a JSON number or a string)'],
      ["NaN", 'expected a decimal number such as 1.5 or "0.00125" (a JSON number or a string)'],
      [true, 'expected a decimal number such as 1.5 or "0.00125" (a JSON number or a string)'],
    ];
    for (const [quantity, message] of cases) {
      expect(fieldErrors({ ...base, quantity }), String(quantity)).toEqual([{ field: "quantity", message }]);
    }
    expect(fieldErrors({ ...base, quantity: 1, takeProfit: { percent: "1000.5" } })).toEqual([
      { field: "takeProfit.percent", message: "must be at most 1000" },
    ]);
    expect(fieldErrors({ ...base, quantity: 1, stopLoss: { price: "-1" } })).toEqual([
      { field: "stopLoss.price", message: "must be greater than 0" },
    ]);
    for (const stopLoss of [{}, { price: 1, amount: 2 }, { points: 5 }, [1], "1"]) {
      expect(fieldErrors({ ...base, quantity: 1, stopLoss }), JSON.stringify(stopLoss)).toEqual([
        { field: "stopLoss", message: "expected exactly one of {price}, {percent} or {amount}" },
      ]);
    }
  });

  it("keeps bracket decimals exact", () => {
    const alert = parseAlert({
      ...base,
      quantity: 1,
      takeProfit: { price: "70000.10" },
      stopLoss: { amount: "0.0005" },
    });
    expect(alert.takeProfit).toEqual({ price: "70000.10" });
    expect(alert.stopLoss).toEqual({ amount: "0.0005" });
  });
});

describe("parseAlert field names", () => {
  it("reports errors under the name the sender used: price, symbol, time", () => {
    expect(fieldErrors({ symbol: "", action: "buy", quantity: 1, price: "abc", time: "yesterday" })).toEqual([
      { field: "symbol", message: "must not be empty" },
      {
        field: "price",
        message: 'expected a decimal number such as 1.5 or "0.00125" (a JSON number or a string)',
      },
      {
        field: "time",
        message:
          "expected an ISO-8601 time with a zone (2025-06-01T12:00:00Z, TradingView's {{timenow}}) or epoch seconds/milliseconds",
      },
    ]);
    expect(fieldErrors({ ticker: "AAPL", action: "buy", quantity: 1, signalPrice: "x" })[0]?.field).toBe(
      "signalPrice",
    );
  });
});

describe("parseAlert times", () => {
  const base = { ticker: "AAPL", action: "exit" };

  it("reads time as alertTime, in the formats TradingView's {{timenow}} and {{time}} give", () => {
    expect(parseAlert({ ...base, time: "2025-06-15T15:06:40Z" }).alertTime).toBe(1_750_000_000_000);
    expect(parseAlert({ ...base, time: "1750000000" }).alertTime).toBe(1_750_000_000_000);
    expect(parseAlert({ ...base, time: 1_750_000_000_000 }).alertTime).toBe(1_750_000_000_000);
    expect(parseAlert({ ...base, time: "2025-06-15T17:06:40+02:00" }).alertTime).toBe(1_750_000_000_000);
    expect(parseAlert({ ...base, time: "2025-06-15 15:06:40.5Z" }).alertTime).toBe(1_750_000_000_500);
    expect(parseAlert({ ...base, alertTime: 1, time: 1_750_000_000 }).alertTime).toBe(1_000);
  });

  it("refuses times without a zone, and times outside 1970-9999, which Postgres or the stale check cannot use", () => {
    const range = "must be between 1970-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z";
    expect(fieldErrors({ ...base, time: "2025-06-15T15:06:40" })[0]?.field).toBe("time");
    for (const time of [
      "2025-02-30T00:00:00Z",
      "2025-02-29",
      "2025-13-01",
      "2025-06-01T24:00:00Z",
      "2025-06-01T12:60Z",
    ]) {
      expect(fieldErrors({ ...base, time })[0]?.field, time).toBe("time");
    }
    expect(parseAlert({ ...base, time: "2024-02-29T23:59:59Z" }).alertTime).toBe(
      Date.UTC(2024, 1, 29, 23, 59, 59),
    );
    expect(parseAlert({ ...base, time: "2025-06-01t12:00:00z" }).alertTime).toBe(Date.UTC(2025, 5, 1, 12));
    expect(fieldErrors({ ...base, alertTime: -1_000_000_000_000 })).toEqual([
      { field: "alertTime", message: range },
    ]);
    expect(fieldErrors({ ...base, time: "+275760-09-13T00:00:00Z" })[0]?.field).toBe("time");
    expect(fieldErrors({ ...base, time: 253402300800000 })).toEqual([{ field: "time", message: range }]);
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

  it("applies the webhook's max lag to an alert with a time and no maxLagSeconds, naming the field as sent", () => {
    const timed = { ticker: "AAPL", action: "exit", time: 1_000 };
    expect(() => assertFresh(parseAlert(timed), 1_000_000 + 60_001, timed, 60)).toThrow(
      expect.objectContaining({
        code: "stale_signal",
        message: "The alert is 60 s old; the webhook's max lag is 60 s.",
        errors: [{ field: "time", message: "older than the webhook's max lag (60 s)" }],
      }) as unknown as Error,
    );
    expect(() => assertFresh(parseAlert(timed), 1_000_000 + 60_000, timed, 60)).not.toThrow();
  });

  it("lets the alert's own maxLagSeconds win over the webhook's, either way", () => {
    expect(() => assertFresh(alert, 1_000_000 + 20_000, undefined, 10)).not.toThrow();
    expect(() => assertFresh(alert, 1_000_000 + 31_000, undefined, 3_600)).toThrow(
      expect.objectContaining({
        errors: [{ field: "alertTime", message: "older than maxLagSeconds (30 s)" }],
      }) as unknown as Error,
    );
  });

  it("never refuses an alert without a time, whatever the webhook's max lag", () => {
    expect(() => assertFresh(parseAlert({ ticker: "AAPL", action: "exit" }), 1e13, {}, 1)).not.toThrow();
  });
});
