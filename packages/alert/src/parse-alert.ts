import { type FieldError, OrderhookError } from "@orderhook/errors";
import { alertInputSchema, type OrderAlert } from "./alert-schema";

const ALIASES: readonly [alias: string, field: string][] = [
  ["symbol", "ticker"],
  ["price", "signalPrice"],
];

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Validates a parsed JSON body as a v1 alert and normalizes it (aliases resolved, enums
 * lower-cased, numbers parsed, absent fields null). Throws `invalid_order` with one entry
 * per offending field.
 */
export function parseAlert(body: unknown): OrderAlert {
  if (!isPlainObject(body)) {
    throw new OrderhookError("invalid_order", {
      detail: "The alert must be a JSON object.",
      errors: [{ field: "", message: "expected a JSON object" }],
    });
  }
  let input: Record<string, unknown> = body;
  for (const [alias, field] of ALIASES) {
    if (body[alias] !== undefined && body[field] === undefined) {
      if (input === body) input = { ...body };
      input[field] = body[alias];
    }
  }
  const result = alertInputSchema.safeParse(input);
  if (!result.success) {
    // One entry per field: the first problem found is the one worth fixing first.
    const byField = new Map<string, FieldError>();
    for (const issue of result.error.issues) {
      const field = issue.path.join(".");
      if (!byField.has(field)) byField.set(field, { field, message: issue.message });
    }
    const errors = [...byField.values()];
    throw new OrderhookError("invalid_order", {
      detail: `The alert has ${errors.length} invalid field${errors.length === 1 ? "" : "s"}: ${errors
        .map((e) => e.field || "(body)")
        .join(", ")}.`,
      errors,
    });
  }
  const a = result.data;
  return {
    ticker: a.ticker,
    action: a.action,
    quantity: a.quantity ?? null,
    orderType: a.orderType,
    limitPrice: a.limitPrice ?? null,
    stopPrice: a.stopPrice ?? null,
    timeInForce: a.timeInForce,
    takeProfit: a.takeProfit ?? null,
    stopLoss: a.stopLoss ?? null,
    signalPrice: a.signalPrice ?? null,
    sentiment: a.sentiment ?? null,
    account: a.account ?? null,
    idempotencyKey: a.idempotencyKey ?? null,
    alertTime: a.alertTime ?? null,
    maxLagSeconds: a.maxLagSeconds ?? null,
    comment: a.comment ?? null,
  };
}

/** Refuses an alert older than its own `maxLagSeconds` (`stale_signal`). */
export function assertFresh(alert: OrderAlert, nowMs: number): void {
  if (alert.alertTime === null || alert.maxLagSeconds === null) return;
  const lagMs = nowMs - alert.alertTime;
  if (lagMs > alert.maxLagSeconds * 1000) {
    throw new OrderhookError("stale_signal", {
      detail: `The alert is ${Math.round(lagMs / 1000)} s old; maxLagSeconds is ${alert.maxLagSeconds}.`,
      errors: [{ field: "alertTime", message: `older than maxLagSeconds (${alert.maxLagSeconds} s)` }],
    });
  }
}
