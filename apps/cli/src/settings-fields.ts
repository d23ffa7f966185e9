import type { WebhookSettings } from "@orderhook/admin";

type Field = [label: string, value: string];

/** A webhook's alert settings as `webhook show` / `update` print them, defaults spelled out. */
export function settingsFields(settings: WebhookSettings): Field[] {
  const { defaultQuantity, dedupWindowMs, maxLagSeconds } = settings;
  return [
    ["default quantity", defaultQuantity ?? "none (buy/sell alerts without a quantity are refused)"],
    [
      "dedup window",
      dedupWindowMs === null
        ? "receiver default (DEDUP_WINDOW_MS)"
        : dedupWindowMs === 0
          ? "off"
          : `${dedupWindowMs} ms`,
    ],
    ["max lag", maxLagSeconds === null ? "none (only an alert's own maxLagSeconds)" : `${maxLagSeconds} s`],
  ];
}

/** A user's rate limit as printed: null is the receiver's default, the burst one second's worth. */
export function rateLimitFields(user: {
  rateLimitPerSecond: number | null;
  rateLimitBurst: number | null;
}): Field[] {
  return [
    [
      "rate limit",
      user.rateLimitPerSecond === null
        ? "receiver default (RATE_LIMIT_PER_SECOND)"
        : `${user.rateLimitPerSecond}/s`,
    ],
    [
      "burst",
      user.rateLimitBurst === null ? "one second's worth (the rate)" : `${user.rateLimitBurst} at once`,
    ],
  ];
}
