import type { UserWebhook } from "@orderhook/admin";
import { formatTime, maskedWebhookUrl } from "./format";
import { Layout, type LayoutProps } from "./layout";

export type WebhookNotice = "revoked";

export interface WebhooksPageProps extends Pick<LayoutProps, "viewer" | "csrfToken"> {
  webhooks: UserWebhook[];
  /** The receiver's public base URL, for the masked URLs. */
  receiverBase: string;
  notice?: { kind: WebhookNotice; webhook: string } | undefined;
}

function settings(webhook: UserWebhook): string {
  const parts = [
    webhook.defaultQuantity === null ? null : `default quantity ${webhook.defaultQuantity}`,
    webhook.dedupWindowMs === null ? null : `dedup window ${webhook.dedupWindowMs} ms`,
    webhook.maxLagSeconds === null ? null : `max lag ${webhook.maxLagSeconds} s`,
  ].filter((part) => part !== null);
  return parts.length === 0 ? "defaults" : parts.join(", ");
}

function WebhookCard(props: { webhook: UserWebhook; receiverBase: string }) {
  const { webhook } = props;
  const state = webhook.active ? "active" : "revoked";
  return (
    <article class="card" aria-labelledby={`webhook-${webhook.id}`} data-webhook-id={webhook.id}>
      <h2 id={`webhook-${webhook.id}`}>
        {webhook.name} <span class={`state state-${state}`}>{state}</span>
      </h2>
      <dl>
        <dt>URL</dt>
        <dd>
          <code class="url">{maskedWebhookUrl(props.receiverBase, webhook.tokenPrefix)}</code>
        </dd>
        <dt>Account</dt>
        <dd>{webhook.accountName}</dd>
        <dt>Signed</dt>
        <dd>{webhook.signed ? "yes (Standard Webhooks signature required)" : "no"}</dd>
        <dt>Alert settings</dt>
        <dd>{settings(webhook)}</dd>
        <dt>Created</dt>
        <dd>{formatTime(webhook.createdAt)}</dd>
        {webhook.rotatedAt ? (
          <>
            <dt>Token rotated</dt>
            <dd>{formatTime(webhook.rotatedAt)}</dd>
          </>
        ) : null}
        {webhook.revokedAt ? (
          <>
            <dt>Revoked</dt>
            <dd>{formatTime(webhook.revokedAt)}</dd>
          </>
        ) : null}
        <dt>Id</dt>
        <dd>
          <code>{webhook.id}</code>
        </dd>
      </dl>
      <ul class="actions">
        {webhook.active ? (
          <>
            <li>
              <a href={`/webhooks/${webhook.id}/test`}>Send a test alert</a>
            </li>
            <li>
              <a href={`/webhooks/${webhook.id}/rotate`}>Rotate token…</a>
            </li>
            <li>
              <a href={`/webhooks/${webhook.id}/revoke`}>Revoke…</a>
            </li>
          </>
        ) : null}
        <li>
          <a href={`/deliveries?webhook=${webhook.id}`}>Deliveries</a>
        </li>
      </ul>
    </article>
  );
}

export function WebhooksPage(props: WebhooksPageProps) {
  return (
    <Layout title="Webhooks" viewer={props.viewer} csrfToken={props.csrfToken} current="webhooks">
      <h1>Webhooks</h1>
      {props.notice?.kind === "revoked" ? (
        <p class="notice" role="status">
          Webhook {props.notice.webhook} is revoked: its URL answers 401 from now on.
        </p>
      ) : null}
      <p>
        Each URL is shown up to its token's first characters: orderhook keeps a hash of the token, not the
        token. Rotating issues a new URL and shows it once.
      </p>
      {props.webhooks.length === 0 ? (
        <p>No webhooks yet. An operator creates them with `orderhook webhook create`.</p>
      ) : (
        props.webhooks.map((webhook) => <WebhookCard webhook={webhook} receiverBase={props.receiverBase} />)
      )}
    </Layout>
  );
}
