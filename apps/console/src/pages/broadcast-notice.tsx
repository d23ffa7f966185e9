import type { BroadcastResult } from "@orderhook/admin";

/** What a rotate or revoke told the receivers, as the CLI says it. */
export function BroadcastNotice(props: { result: BroadcastResult }) {
  const { result } = props;
  if (result.delivered) {
    return (
      <p class="notice" role="status">
        Receivers were told at once ({result.receivers} listening).
      </p>
    );
  }
  return (
    <p class="warning" role="alert">
      The change is saved, but receivers could not be told at once ({result.error}). They stop accepting the
      old token when their cached credentials expire (CREDENTIAL_CACHE_TTL_MS, 5 s by default) and accept a
      new one after their next reconciliation (CREDENTIAL_RECONCILE_INTERVAL_MS, 60 s by default).
    </p>
  );
}
