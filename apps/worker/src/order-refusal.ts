import { type OrderReason, type OrderReasonCode, orderReason } from "@orderhook/errors";
import type { OrderJob } from "@orderhook/queue";
import type { OwnerCache } from "./owner-cache";

export interface Refusal {
  reason: OrderReason;
  /** The referenced row is gone, so the order row must not point at it. */
  webhookGone: boolean;
  accountGone: boolean;
}

/**
 * Why this order must not be accepted, or null. A webhook revoked after the alert was
 * received does not refuse it: the receiver authenticated it while the token was valid.
 */
export async function findRefusal(job: OrderJob, owners: OwnerCache): Promise<Refusal | null> {
  const [webhook, account] = await Promise.all([
    owners.webhook(job.webhookId),
    owners.account(job.accountId),
  ]);
  const refuse = (code: OrderReasonCode, detail: string): Refusal => ({
    reason: orderReason(code, detail),
    webhookGone: webhook === null,
    accountGone: account === null,
  });
  if (webhook === null) return refuse("webhook_revoked", "the webhook no longer exists");
  if (webhook.userId !== job.userId) return refuse("invalid_job", "the webhook belongs to another user");
  const revokedBeforeReceipt = webhook.revokedAt !== null && webhook.revokedAt <= job.receivedAt;
  if (revokedBeforeReceipt || (!webhook.active && webhook.revokedAt === null)) {
    return refuse("webhook_revoked", "the webhook was revoked before the alert arrived");
  }
  if (account === null) return refuse("account_forbidden", "the broker account no longer exists");
  if (account.userId !== job.userId)
    return refuse("account_forbidden", "the broker account is not the user's");
  if (!account.active) return refuse("account_forbidden", "the broker account is disabled");
  return null;
}
