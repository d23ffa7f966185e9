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
export { DECIMAL_MAX_INTEGER_DIGITS, DECIMAL_MAX_SCALE, DecimalProblem, parseDecimal } from "./decimal";
export { assertFresh, type NumberSources, parseAlert } from "./parse-alert";
export { type AlertBody, MAX_JSON_DEPTH, parseAlertBody } from "./parse-alert-body";
export { findUnstorable, isStorableTime, toStorable, toStorableText } from "./storable";
