export interface WebhookUrlBase {
  /** Where senders reach the receiver, e.g. https://hooks.example.com; else localhost. */
  publicUrl?: string | undefined;
  port: number;
}

/** `{PUBLIC_URL or http://localhost:PORT}/v1/webhooks/{token}`, keeping any path in PUBLIC_URL. */
export function webhookUrl(token: string, base: WebhookUrlBase): string {
  const root = base.publicUrl ?? `http://localhost:${base.port}`;
  return new URL(
    `v1/webhooks/${encodeURIComponent(token)}`,
    root.endsWith("/") ? root : `${root}/`,
  ).toString();
}
