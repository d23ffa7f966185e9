export {
  alertInputSchema,
  type Bracket,
  type OrderAction,
  type OrderAlert,
  type OrderType,
  orderActions,
  orderAlertSchema,
  orderTypes,
  type Sentiment,
  sentiments,
  type TimeInForce,
  timesInForce,
} from "./alert-schema";
export {
  DECIMAL_MAX_INTEGER_DIGITS,
  DECIMAL_MAX_SCALE,
  DecimalProblem,
  decimalFromNumber,
  isCanonicalDecimal,
  parseDecimal,
} from "./decimal";
export { assertFresh, type NumberSources, parseAlert } from "./parse-alert";
export { type AlertBody, MAX_JSON_DEPTH, parseAlertBody } from "./parse-alert-body";
export {
  findUnstorable,
  isStorableText,
  isStorableTime,
  MAX_ALERT_TIME_MS,
  MIN_ALERT_TIME_MS,
  toStorable,
  toStorableText,
} from "./storable";
export { readTradingViewOrderMessage } from "./tradingview-order-message";
