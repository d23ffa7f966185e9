import { randomUUID } from "node:crypto";
import { parseAlert } from "@orderhook/alert";
import type { Fixture } from "./fixtures";

/**
 * A job as the receiver would enqueue it for this fixture's webhook: the queue's `OrderJob`
 * (written out here, so the toolkit does not depend on the queue package whose tests use it).
 */
export function buildOrderJob(
  fixture: Fixture,
  body: Record<string, unknown> = { ticker: "AAPL", action: "buy", quantity: 10 },
  overrides: Partial<ReturnType<typeof baseJob>> = {},
) {
  return { ...baseJob(fixture, body), ...overrides };
}

function baseJob(fixture: Fixture, body: Record<string, unknown>) {
  const alert = parseAlert(body);
  return {
    v: 1 as const,
    orderId: randomUUID() as string,
    userId: fixture.userId,
    webhookId: fixture.webhookId,
    accountId: fixture.accountId,
    idempotencyKey: alert.idempotencyKey,
    alert,
    raw: body,
    receivedAt: Date.now(),
  };
}
