import type { BroadcastResult, UserWebhook } from "@orderhook/admin";
import { BroadcastNotice } from "./broadcast-notice";
import { Layout, type LayoutProps } from "./layout";

type PageProps = Pick<LayoutProps, "viewer" | "csrfToken">;

export function RotateConfirmPage(props: PageProps & { webhook: UserWebhook; isSignInWebhook: boolean }) {
  const { webhook } = props;
  return (
    <Layout
      title={`Rotate ${webhook.name}`}
      viewer={props.viewer}
      csrfToken={props.csrfToken}
      current="webhooks"
    >
      <h1>Rotate the token of {webhook.name}?</h1>
      <p>
        A new URL is issued and shown once. The current URL stops working at once: alerts still sent to it get
        401 until you paste the new URL into them.
      </p>
      {props.isSignInWebhook ? <p>You signed in with this webhook; you stay signed in.</p> : null}
      <form method="post" action={`/webhooks/${webhook.id}/rotate`} class="inline">
        <input type="hidden" name="_csrf" value={props.csrfToken} />
        <button type="submit" class="danger">
          Rotate token
        </button>{" "}
        <a href="/webhooks">Cancel</a>
      </form>
    </Layout>
  );
}

export function RotatedPage(
  props: PageProps & { webhook: UserWebhook; url: string; token: string; broadcast: BroadcastResult },
) {
  return (
    <Layout
      title={`${props.webhook.name} rotated`}
      viewer={props.viewer}
      csrfToken={props.csrfToken}
      current="webhooks"
    >
      <h1>New URL for {props.webhook.name}</h1>
      <p class="warning">
        Shown only now: orderhook keeps a hash of the token, not the token. Copy the URL into your alerts; the
        previous one no longer works.
      </p>
      <label for="new-url">New webhook URL</label>
      <input
        id="new-url"
        class="secret"
        type="text"
        readonly
        value={props.url}
        data-new-token={props.token}
      />
      <BroadcastNotice result={props.broadcast} />
      <p>
        <a href="/webhooks">Back to webhooks</a>
      </p>
    </Layout>
  );
}
