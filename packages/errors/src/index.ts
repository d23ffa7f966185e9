export { type ErrorCode, errorCodes } from "./codes";
export {
  type OrderReason,
  type OrderReasonCode,
  orderReason,
  orderReasonCodeOf,
  orderReasonCodes,
} from "./order-reason";
export {
  type FieldError,
  isOrderhookError,
  OrderhookError,
  type OrderhookErrorOptions,
} from "./orderhook-error";
