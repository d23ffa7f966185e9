export { appendDeliveryLua, appendDeliveryLuaSnippet, expireDeliveryStreamsLua } from "./append-delivery-lua";
export { BODY_EXCERPT_BYTES, bodyExcerpt } from "./body-excerpt";
export type { Delivery, DeliveryMinute, DeliveryPage, DeliveryQuery } from "./delivery";
export { compareNewestFirst, type DeliveryCursor, formatCursor, parseCursor } from "./delivery-cursor";
export { type DeliveryLogOptions, deliveryStreamKey } from "./delivery-log-options";
export {
  createDeliveryReader,
  type DeliveryReader,
  type DeliveryReaderOptions,
  type DeliveryStream,
  decodeEntry,
  type LoggedDelivery,
  type StreamEntry,
} from "./delivery-reader";
export { DELIVERY_FIELD, type DeliveryRecord, decodeDelivery, encodeDelivery } from "./delivery-record";
export { createDeliveryWriter, type DeliveryWriter } from "./delivery-writer";
export { latestPositions, readNewDeliveries, type StreamPositions } from "./read-new-deliveries";
