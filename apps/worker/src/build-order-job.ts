import { randomUUID } from "node:crypto";
import { parseAlert } from "@orderhook/alert";
import type { OrderJob } from "@orderhook/queue";
import type { Fixture } from "@orderhook/testing";

/** A job as the receiver would enqueue it for this fixture's webhook (tests only). */
export function buildOrderJob(
  fixture: Fixture,
  body: Record<string, unknown> = { ticker: "AAPL", action: "buy", quantity: 10 },
  overrides: Partial<OrderJob> = {},
): OrderJob {
  const alert = parseAlert(body);
  return {
    v: 1,
    orderId: randomUUID(),
    userId: fixture.userId,
    webhookId: fixture.webhookId,
    accountId: fixture.accountId,
    idempotencyKey: alert.idempotencyKey,
    alert,
    raw: body,
    receivedAt: Date.now(),
    ...overrides,
  };
}
