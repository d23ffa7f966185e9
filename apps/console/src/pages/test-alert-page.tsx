import type { UserWebhook } from "@orderhook/admin";
import type { TestAlertResult } from "../send-test-alert";
import { Layout, type LayoutProps } from "./layout";

export const DEFAULT_TEST_ALERT =
  '{"ticker":"AAPL","action":"buy","quantity":1,"comment":"test alert from the console"}';

export interface TestAlertPageProps extends Pick<LayoutProps, "viewer" | "csrfToken"> {
  webhook: UserWebhook;
  /** Where the alert goes: the receiver as the console reaches it. */
  receiverUrl: string;
  body: string;
  error?: string | undefined;
  result?: TestAlertResult | undefined;
}

function Result(props: { result: TestAlertResult }) {
  const { result } = props;
  if (result.kind === "unreachable") {
    return (
      <section aria-labelledby="result" class="result result-error">
        <h2 id="result">The receiver did not answer</h2>
        <p>{result.reason}</p>
      </section>
    );
  }
  const ok = result.status >= 200 && result.status < 300;
  return (
    <section aria-labelledby="result" class={`result ${ok ? "result-ok" : "result-error"}`}>
      <h2 id="result">
        The receiver answered <span data-field="http-status">{result.status}</span>
        {result.code ? <> {result.code}</> : null}
      </h2>
      {result.orderId ? (
        <p>
          Order <a href={`/orders/${result.orderId}`}>{result.orderId}</a> is{" "}
          {result.replayed ? "a replay of an earlier alert" : "queued"}. It is listed under{" "}
          <a href="/orders">Orders</a> once the worker has written it, with its status.
        </p>
      ) : null}
      <pre class="body" data-field="response-body">
        {result.body}
      </pre>
      {result.requestId ? (
        <p class="muted">
          Request id <code>{result.requestId}</code>
        </p>
      ) : null}
    </section>
  );
}

/**
 * The test-alert form: it goes through the real receiver over HTTP, so its answer is exactly what
 * TradingView would get. The console keeps no token, so the form asks for one; the page's script
 * fills it in from the sign-in kept in this browser tab (sessionStorage) when it matches.
 */
export function TestAlertPage(props: TestAlertPageProps) {
  const { webhook } = props;
  return (
    <Layout
      title={`Test alert · ${webhook.name}`}
      viewer={props.viewer}
      csrfToken={props.csrfToken}
      current="webhooks"
      page="test-alert"
    >
      <h1>Send a test alert to {webhook.name}</h1>
      {props.result ? <Result result={props.result} /> : null}
      <form
        method="post"
        action={`/webhooks/${webhook.id}/test`}
        class="stack"
        id="test-alert-form"
        data-token-prefix={webhook.tokenPrefix}
      >
        <input type="hidden" name="_csrf" value={props.csrfToken} />
        <p>
          The alert is posted to <code>{props.receiverUrl}</code> as TradingView would post it, and places a
          real order on <strong>{webhook.accountName}</strong>
          {webhook.signed ? ", signed with the webhook's signing secret" : ""}.
        </p>
        <label for="token">Webhook URL or token</label>
        <input
          id="token"
          name="token"
          type="password"
          required
          autocomplete="off"
          spellcheck={false}
          aria-describedby="token-help"
        />
        <p id="token-help" class="muted">
          orderhook stores only a hash of the token (starts <code>{webhook.tokenPrefix}</code>), so the
          console cannot send as this webhook without it. It is used for this one request and never stored.
          <span id="token-filled" hidden>
            {" "}
            Filled in from this tab's sign-in.
          </span>
        </p>
        {props.error ? (
          <p class="error" role="alert" id="test-alert-error">
            {props.error}
          </p>
        ) : null}
        <label for="body">Alert message (JSON)</label>
        <textarea id="body" name="body" rows={6} required spellcheck={false}>
          {props.body}
        </textarea>
        <button type="submit">Send test alert</button>
      </form>
    </Layout>
  );
}
