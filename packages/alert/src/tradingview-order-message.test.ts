import { describe, expect, it } from "vitest";
import { readTradingViewOrderMessage } from "./tradingview-order-message";

describe("readTradingViewOrderMessage", () => {
  it("reads action, contracts, ticker and the new position as sentiment", () => {
    const cases: [string, Record<string, unknown>][] = [
      [
        "Order buy @ 1 filled on NQ1!. New strategy position is 1",
        { action: "buy", quantity: "1", ticker: "NQ1!", sentiment: "long" },
      ],
      [
        "Order sell @ 2 filled on NQ1!. New strategy position is -1",
        { action: "sell", quantity: "2", ticker: "NQ1!", sentiment: "short" },
      ],
      [
        "Order sell @ 0.5 filled on BINANCE:BTCUSDT. New strategy position is 0",
        { action: "sell", quantity: "0.5", ticker: "BINANCE:BTCUSDT", sentiment: "flat" },
      ],
      [
        "Order buy @ 10 filled on BRK.B. New strategy position is 0.0",
        { action: "buy", quantity: "10", ticker: "BRK.B", sentiment: "flat" },
      ],
      [
        "MACD Strategy (12, 26, 9): order buy @ 0.00125 filled on COINBASE:BTC/USD. New strategy position is 0.00125\n",
        { action: "buy", quantity: "0.00125", ticker: "COINBASE:BTC/USD", sentiment: "long" },
      ],
      [
        "ORDER BUY @ 3 FILLED ON BTCUSDT.P. NEW STRATEGY POSITION IS -0.5.",
        { action: "buy", quantity: "3", ticker: "BTCUSDT.P", sentiment: "short" },
      ],
    ];
    for (const [text, alert] of cases) {
      expect(readTradingViewOrderMessage(text), text).toEqual({ ...alert, message: text });
    }
  });

  it("answers null for any other text", () => {
    for (const text of [
      "",
      "buy NQ1! 1",
      "Order hold @ 1 filled on NQ1!. New strategy position is 1",
      "Order buy @ 1 filled on NQ1!. New strategy position is long",
      "Order buy @ 1 filled on NQ1! New strategy position is 1",
      `Order buy @ 1 filled on NQ1!. New strategy position is 1${" ".repeat(600)}x`,
      "Order buy @ 1 filled on NQ 1!. New strategy position is 1",
    ]) {
      expect(readTradingViewOrderMessage(text), JSON.stringify(text)).toBeNull();
    }
  });
});
