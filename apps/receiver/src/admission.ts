import { hash } from "node:crypto";
import { deliveryStreamKey } from "@orderhook/deliveries";
import { captureJobAddTemplate, type OrderJob, type OrderQueue, userKey } from "@orderhook/queue";
import type { Redis } from "ioredis";
import { admitLua } from "./admission-scripts";
import { createTurnBatchedWrites } from "./turn-batched-writes";

export type AdmitResult =
  | { outcome: "accepted" }
  | { outcome: "replay"; orderId: string }
  | { outcome: "in_flight" }
  | { outcome: "key_reused" }
  | { outcome: "rate_limited"; retryAfterMs: number };

export interface AdmitRequest {
  /** Base64 SHA-256 of the raw body. */
  bodyHash: string;
  /** Alerts per second for this user. */
  rate: number;
  /** Alerts this user may send at the same moment (≥ 1); the bucket refills at `rate`. */
  burst: number;
  /** Keyless alerts with this body are one order within this many ms (the webhook's window; 0: off). */
  dedupWindowMs: number;
  /** Signed webhooks: webhook id and the sender's `webhook-id`; a retry of a queued one gets its order. */
  signature: { webhookId: string; messageId: string } | null;
  /**
   * The job to queue when admitted: its `orderId` is the job id, its `userId` and
   * `idempotencyKey` scope the keys, its `webhookId` and `accountId` join the fingerprint.
   */
  job: OrderJob;
  /**
   * The deliveries log entry to append if the alert is accepted (see `encodeDelivery`), written
   * in the same script; null when the log is off.
   */
  delivery?: string | null;
}

export interface AdmissionOptions {
  prefix: string;
  idempotencyTtlMs: number;
  /**
   * How long a signed request's `webhook-id` is remembered, so a retry gets its order (default:
   * as long as an explicit idempotency key; Standard Webhooks senders retry for hours).
   */
  signatureReplayTtlMs?: number;
  /** The deliveries log's bounds (entries kept per webhook, max age); absent or 0 entries: off. */
  deliveryLog?: { maxEntries: number; maxAgeMs: number };
}

/**
 * What a request means: the same body through another webhook, or for another account, is
 * another order. Hashing the body hash (not the body again) keeps the second hash to ~120 bytes.
 */
export function requestFingerprint(webhookId: string, accountId: string, bodyHash: string): string {
  return hash("sha256", `${webhookId}|${accountId}|${bodyHash}`, "base64");
}

export interface Admission {
  /** Admits and queues the request's job in one atomic script, or says why not. */
  admit(request: AdmitRequest): Promise<AdmitResult>;
}

/**
 * The receiver's one Redis round trip per alert. `queue` supplies BullMQ's key layout and
 * default job options (captured once, see `captureJobAddTemplate`); it sends nothing itself.
 */
export function createAdmission(redis: Redis, queue: OrderQueue, options: AdmissionOptions): Admission {
  const { prefix, idempotencyTtlMs, signatureReplayTtlMs = idempotencyTtlMs, deliveryLog } = options;
  // Throws here, so the receiver does not start, if BullMQ's add is not laid out as expected.
  const template = captureJobAddTemplate(queue);
  redis.defineCommand("orderhookAdmit", { numberOfKeys: 13, lua: admitLua(template.optsJson) });
  const commands = redis as unknown as {
    orderhookAdmit(...args: string[]): Promise<[string, string?]>;
  };
  const batchWrites = createTurnBatchedWrites(redis);

  // Explicit keys are the owner's (one key, one order, whichever webhook or account); without
  // one, the fingerprint is the key, so body-hash deduplication is per webhook and account.
  const idempotencyKey = ({ job }: AdmitRequest, fingerprint: string) =>
    job.idempotencyKey === null
      ? `${userKey(prefix, job.userId, "idem")}:h:${fingerprint}`
      : `${userKey(prefix, job.userId, "idem")}:k:${job.idempotencyKey}`;
  const seenKey = (r: AdmitRequest) =>
    r.signature === null ? "" : `${prefix}:sig:${r.signature.webhookId}:${r.signature.messageId}`;
  // The deliveries entry rides in the same script. Off (no log, or no entry): ARGV[13] = "0", and
  // KEYS[13] is the user's rate key, which the script already holds, so the keys share one slot.
  const logOn = deliveryLog !== undefined && deliveryLog.maxEntries > 0;
  const logMax = String(deliveryLog?.maxEntries ?? 0);
  const logAge = String(deliveryLog?.maxAgeMs ?? 0);
  const logged = (r: AdmitRequest) => logOn && typeof r.delivery === "string" && r.delivery.length > 0;
  // A window of 0 turns body-hash deduplication off: the script then neither reads nor writes the key.
  const keyTtl = ({ job, dedupWindowMs }: AdmitRequest) =>
    String(job.idempotencyKey === null ? dedupWindowMs : idempotencyTtlMs);

  return {
    async admit(r) {
      const interval = 1000 / r.rate;
      const rateKey = userKey(prefix, r.job.userId, "rate");
      const log = logged(r);
      const fingerprint = requestFingerprint(r.job.webhookId, r.job.accountId, r.bodyHash);
      batchWrites();
      const [code, value] = await commands.orderhookAdmit(
        idempotencyKey(r, fingerprint),
        rateKey,
        seenKey(r),
        ...template.keys,
        log ? deliveryStreamKey(prefix, r.job.userId, r.job.webhookId) : rateKey,
        fingerprint,
        r.job.orderId,
        keyTtl(r),
        String(interval),
        // `burst` alerts may arrive at once; at the default (burst = rate, one second's worth) a
        // burst of 2N in a second is about half refused.
        String(interval * r.burst),
        template.keyPrefix,
        String(signatureReplayTtlMs),
        JSON.stringify(r.job),
        template.optsJson,
        template.name,
        String(r.job.receivedAt),
        r.bodyHash,
        log ? logMax : "0",
        logAge,
        log ? r.delivery! : "",
      );
      switch (code) {
        case "A":
          return { outcome: "accepted" };
        case "R":
          return { outcome: "replay", orderId: value! };
        case "F":
          return { outcome: "in_flight" };
        case "M":
          return { outcome: "key_reused" };
        case "L":
          return { outcome: "rate_limited", retryAfterMs: Number(value) };
        case "E":
          // Nothing was written: the arguments were refused, or BullMQ's add returned an error code.
          throw new Error(`admission refused before queuing anything: ${value ?? "no reason"}`);
        default:
          throw new Error(`unexpected admission reply ${code} ${value ?? ""}`.trim());
      }
    },
  };
}
