import type { Webhook } from "@orderhook/db";
import { requireDecimal, requireInteger } from "./arguments";

/** The dedup window's bounds (ms): up to an hour, like the receiver's DEDUP_WINDOW_MS. */
export const DEDUP_WINDOW_MAX_MS = 3_600_000;
/** The max lag's bounds (s), the same as an alert's own maxLagSeconds. */
export const MAX_LAG_MAX_SECONDS = 86_400;

/**
 * A webhook's alert settings as an operator gives them: a field left out stays as it is, null
 * puts it back to the default (no default quantity, the receiver's DEDUP_WINDOW_MS, no max lag).
 */
export interface WebhookSettingsInput {
  /** Quantity of a buy or sell alert that has none, a decimal above 0 (`"1"`, `"0.00125"`). */
  defaultQuantity?: string | null | undefined;
  /** Keyless alerts with the same body are one order within this many ms; 0 turns it off. */
  dedupWindowMs?: number | null | undefined;
  /** Alerts whose `time` is older than this many seconds are refused (the alert's own maxLagSeconds wins). */
  maxLagSeconds?: number | null | undefined;
}

export type WebhookSettings = Pick<Webhook, "defaultQuantity" | "dedupWindowMs" | "maxLagSeconds">;

/** Validates the settings given, as the columns store them; the ones left out are left out. */
export function readWebhookSettings(input: WebhookSettingsInput): Partial<WebhookSettings> {
  const settings: Partial<WebhookSettings> = {};
  const { defaultQuantity, dedupWindowMs, maxLagSeconds } = input;
  if (defaultQuantity !== undefined) {
    settings.defaultQuantity =
      defaultQuantity === null ? null : requireDecimal(defaultQuantity, "default quantity");
  }
  if (dedupWindowMs !== undefined) {
    settings.dedupWindowMs =
      dedupWindowMs === null
        ? null
        : requireInteger(dedupWindowMs, "dedup window (ms)", 0, DEDUP_WINDOW_MAX_MS);
  }
  if (maxLagSeconds !== undefined) {
    settings.maxLagSeconds =
      maxLagSeconds === null ? null : requireInteger(maxLagSeconds, "max lag (s)", 1, MAX_LAG_MAX_SECONDS);
  }
  return settings;
}
