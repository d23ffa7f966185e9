import { Layout } from "./layout";

export interface SignInPageProps {
  operatorSignIn: boolean;
  /** Why the last attempt failed, in words for the person at the keyboard. */
  error?: string | undefined;
  /** Which form the error belongs to. */
  errorFor?: "token" | "operator";
  /** Fixed notices after signing out or when a session ended. */
  notice?: "signed-out" | "session-ended" | undefined;
}

const NOTICES = {
  "signed-out": "You are signed out.",
  "session-ended":
    "Your session ended: it expired, or the webhook you signed in with was rotated or revoked. Sign in again.",
};

export function SignInPage(props: SignInPageProps) {
  const tokenError = props.errorFor !== "operator" ? props.error : undefined;
  const operatorError = props.errorFor === "operator" ? props.error : undefined;
  return (
    <Layout title="Sign in" viewer={null} page={props.notice === "signed-out" ? "signed-out" : "sign-in"}>
      <h1>Sign in</h1>
      {props.notice ? (
        <p class="notice" role="status">
          {NOTICES[props.notice]}
        </p>
      ) : null}
      <form method="post" action="/sign-in" class="stack" id="sign-in-form">
        <p>
          Paste one of your webhook URLs (as in your TradingView alert) or its token. The console keeps who
          you are, never the token.
        </p>
        <label for="token">Webhook URL or token</label>
        <input
          id="token"
          name="token"
          type="password"
          required
          autocomplete="off"
          spellcheck={false}
          aria-describedby={tokenError ? "token-error" : undefined}
          aria-invalid={tokenError ? "true" : undefined}
        />
        {tokenError ? (
          <p id="token-error" class="error" role="alert">
            {tokenError}
          </p>
        ) : null}
        <button type="submit">Sign in</button>
      </form>
      {props.operatorSignIn ? (
        <form method="post" action="/sign-in/operator" class="stack">
          <h2>Operators</h2>
          <label for="password">Operator password</label>
          <input
            id="password"
            name="password"
            type="password"
            required
            autocomplete="current-password"
            aria-describedby={operatorError ? "password-error" : undefined}
            aria-invalid={operatorError ? "true" : undefined}
          />
          {operatorError ? (
            <p id="password-error" class="error" role="alert">
              {operatorError}
            </p>
          ) : null}
          <button type="submit">Sign in as operator</button>
        </form>
      ) : null}
    </Layout>
  );
}
