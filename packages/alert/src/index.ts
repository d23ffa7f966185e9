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
export { assertFresh, parseAlert } from "./parse-alert";
