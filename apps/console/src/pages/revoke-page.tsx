import type { BroadcastResult, UserWebhook } from "@orderhook/admin";
import { BroadcastNotice } from "./broadcast-notice";
import { Layout, type LayoutProps } from "./layout";

type PageProps = Pick<LayoutProps, "viewer" | "csrfToken">;

export function RevokeConfirmPage(props: PageProps & { webhook: UserWebhook; isSignInWebhook: boolean }) {
  const { webhook } = props;
  return (
    <Layout
      title={`Revoke ${webhook.name}`}
      viewer={props.viewer}
      csrfToken={props.csrfToken}
      current="webhooks"
    >
      <h1>Revoke {webhook.name} for good?</h1>
      <p>
        Every alert sent to its URL is refused with 401 from now on, and it cannot be turned back on (an
        operator creates a new webhook instead). Orders it already placed stay.
      </p>
      {props.isSignInWebhook ? (
        <p class="warning">You signed in with this webhook: revoking it signs you out.</p>
      ) : null}
      <form method="post" action={`/webhooks/${webhook.id}/revoke`} class="inline">
        <input type="hidden" name="_csrf" value={props.csrfToken} />
        <button type="submit" class="danger">
          Revoke webhook
        </button>{" "}
        <a href="/webhooks">Cancel</a>
      </form>
    </Layout>
  );
}

export function RevokedPage(
  props: PageProps & { webhook: UserWebhook; broadcast: BroadcastResult; signedOut: boolean },
) {
  return (
    <Layout
      title={`${props.webhook.name} revoked`}
      viewer={props.signedOut ? null : props.viewer}
      csrfToken={props.csrfToken}
      current="webhooks"
      page={props.signedOut ? "signed-out" : undefined}
    >
      <h1>{props.webhook.name} is revoked</h1>
      <p>Its URL answers 401 from now on.</p>
      <BroadcastNotice result={props.broadcast} />
      {props.signedOut ? (
        <p>
          You signed in with this webhook, so you are signed out. <a href="/sign-in">Sign in</a> with another
          webhook's URL.
        </p>
      ) : (
        <p>
          <a href="/webhooks">Back to webhooks</a>
        </p>
      )}
    </Layout>
  );
}
