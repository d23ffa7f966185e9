import { Webhook } from "standardwebhooks";

export interface SignOptions {
  /** `webhook-id`; a random one unless given (a retry sends the same). */
  id?: string;
  /** Seconds since the epoch; now unless given. */
  timestampSeconds?: number;
}

/**
 * Standard Webhooks headers for `body`, signed with a `whsec_…` secret by the reference
 * implementation (the `standardwebhooks` package), not by orderhook's own code.
 */
export function signHeaders(secret: string, body: string, options: SignOptions = {}): Record<string, string> {
  const id = options.id ?? `msg_${Math.random().toString(36).slice(2)}`;
  const seconds = Math.floor(options.timestampSeconds ?? Date.now() / 1000);
  const signature = new Webhook(secret).sign(id, new Date(seconds * 1000), body);
  return { "webhook-id": id, "webhook-timestamp": String(seconds), "webhook-signature": signature };
}
