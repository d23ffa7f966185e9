/**
 * TradingView's default strategy alert message, `Order {{strategy.order.action}} @
 * {{strategy.order.contracts}} filled on {{ticker}}. New strategy position is
 * {{strategy.position_size}}`, optionally after the strategy's name and a colon, as the
 * notification shows it.
 */
const DEFAULT_ORDER_MESSAGE =
  /^(?:[^\n]{1,200}?:\s*)?order\s+(buy|sell)\s+@\s+(\S+)\s+filled\s+on\s+(\S+?)\.\s+new\s+strategy\s+position\s+is\s+([-+]?\d+(?:\.\d+)?)\.?$/i;

/** Longer texts are not the default message; the regex never sees them. */
const MAX_LENGTH = 512;

/**
 * The alert a TradingView default order-fill message stands for — action, quantity (the
 * order's contracts), ticker, and the resulting position as sentiment (> 0 long, < 0 short,
 * 0 flat) — with the message itself kept as `message`; null for any other text.
 */
export function readTradingViewOrderMessage(text: string): Record<string, unknown> | null {
  if (text.length > MAX_LENGTH) return null;
  const match = DEFAULT_ORDER_MESSAGE.exec(text.trim());
  if (match === null) return null;
  const [, action, contracts, ticker, position] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
  ];
  const flat = /^[-+]?0*(?:\.0*)?$/.test(position);
  return {
    ticker,
    action: action.toLowerCase(),
    quantity: contracts,
    sentiment: flat ? "flat" : position.startsWith("-") ? "short" : "long",
    message: text,
  };
}
