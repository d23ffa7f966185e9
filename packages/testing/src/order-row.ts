import type { NewOrder } from "@orderhook/db";
import type { Fixture } from "./fixtures";

/**
 * An `orders` row of `owner`'s webhook as the worker writes it: an accepted market buy of one
 * AAPL, processed now. `fields` override any of it (a rejection, another ticker…).
 */
export function orderRow(owner: Fixture, id: string, fields: Partial<NewOrder> = {}): NewOrder {
  return {
    id,
    userId: owner.userId,
    accountId: owner.accountId,
    webhookId: owner.webhookId,
    ticker: "AAPL",
    action: "buy",
    quantity: "1",
    orderType: "market",
    timeInForce: "day",
    rawPayload: {},
    status: "accepted",
    receivedAt: new Date(),
    processedAt: new Date(),
    ...fields,
  };
}
