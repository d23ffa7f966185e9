/** `2026-11-29 08:33:12 UTC`: one zone for everyone, as the logs and the CLI print times. */
export function formatTime(value: Date | string | null): string {
  if (value === null) return "—";
  const iso = typeof value === "string" ? new Date(value).toISOString() : value.toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;
}

export function isoTime(value: Date | string): string {
  return typeof value === "string" ? new Date(value).toISOString() : value.toISOString();
}

/** A webhook's URL with the token cut after its displayed prefix: enough to recognise, useless to send to. */
export function maskedWebhookUrl(receiverBase: string, tokenPrefix: string): string {
  return `${receiverBase.replace(/\/+$/, "")}/v1/webhooks/${tokenPrefix}…`;
}
