export { type ErrorCode, errorCodes } from "./codes";
export {
  type FieldError,
  isOrderhookError,
  OrderhookError,
  type OrderhookErrorOptions,
} from "./orderhook-error";
