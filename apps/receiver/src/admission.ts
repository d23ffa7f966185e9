import { ORDER_QUEUE_NAME } from "@orderhook/queue";
import type { Redis } from "ioredis";
import { ADMIT_LUA, RELEASE_LUA } from "./admission-scripts";
import { createTickBatch } from "./tick-batch";

export type AdmitResult =
  | { outcome: "accepted" }
  | { outcome: "replay"; orderId: string }
  | { outcome: "in_flight" }
  | { outcome: "key_reused" }
  | { outcome: "signature_replayed" }
  | { outcome: "rate_limited"; retryAfterMs: number };

export interface AdmitRequest {
  userId: string;
  /** Header or body key; null means the body hash is the key. */
  idempotencyKey: string | null;
  fingerprint: string;
  orderId: string;
  /** Alerts per second for this user. */
  rate: number;
  /** Signed webhooks: webhook id and the sender's `webhook-id`, remembered to refuse replays. */
  signature: { webhookId: string; messageId: string } | null;
}

export interface AdmissionOptions {
  prefix: string;
  idempotencyTtlMs: number;
  dedupWindowMs: number;
  /** How long a reservation waits for its enqueue before another request may take the key. */
  leaseMs?: number;
  /** How long a `webhook-id` is remembered (past the five-minute signature tolerance). */
  signatureReplayTtlMs?: number;
}

export interface Admission {
  admit(request: AdmitRequest): Promise<AdmitResult>;
  /** Marks the reservation queued; sent without awaiting it, once the enqueue succeeded. */
  commit(request: AdmitRequest): Promise<unknown>;
  /**
   * Removes the reservation (or commits it if the job landed anyway) after the step named by
   * `behind` failed, on that step's connection, so that Redis runs it after the failed step.
   */
  release(request: AdmitRequest, behind: "admission" | "enqueue"): Promise<unknown>;
}

interface ReleaseCommand {
  orderhookRelease(...args: string[]): Promise<number>;
}

/**
 * `redis` carries the admission script and the commit; `queueRedis` is the connection the
 * enqueue uses, which the release after a failed enqueue must follow.
 */
export function createAdmission(redis: Redis, queueRedis: Redis, options: AdmissionOptions): Admission {
  const {
    prefix,
    idempotencyTtlMs,
    dedupWindowMs,
    leaseMs = 10_000,
    signatureReplayTtlMs = 600_000,
  } = options;
  redis.defineCommand("orderhookAdmit", { numberOfKeys: 3, lua: ADMIT_LUA });
  for (const connection of new Set([redis, queueRedis])) {
    connection.defineCommand("orderhookRelease", { numberOfKeys: 2, lua: RELEASE_LUA });
  }
  const send = createTickBatch(redis);
  const queueCommands = queueRedis as unknown as Redis & ReleaseCommand;
  const jobKeyPrefix = `${prefix}:${ORDER_QUEUE_NAME}:`;

  const idempotencyKey = (r: AdmitRequest) =>
    r.idempotencyKey === null
      ? `${prefix}:idem:${r.userId}:h:${r.fingerprint}`
      : `${prefix}:idem:${r.userId}:k:${r.idempotencyKey}`;
  const seenKey = (r: AdmitRequest) =>
    r.signature === null ? "" : `${prefix}:sig:${r.signature.webhookId}:${r.signature.messageId}`;
  const queuedTtl = (r: AdmitRequest) => String(r.idempotencyKey === null ? dedupWindowMs : idempotencyTtlMs);
  const queuedValue = (r: AdmitRequest) => `Q|${r.orderId}|${r.fingerprint}`;

  return {
    async admit(r) {
      const interval = 1000 / r.rate;
      const [code, value] = await send<[string, string?]>("orderhookAdmit", [
        idempotencyKey(r),
        `${prefix}:rate:${r.userId}`,
        seenKey(r),
        r.fingerprint,
        r.orderId,
        String(leaseMs),
        queuedTtl(r),
        String(interval),
        // A full second's worth may arrive at once; a burst of 2N in a second is about half refused.
        String(interval * r.rate),
        jobKeyPrefix,
        String(signatureReplayTtlMs),
      ]);
      switch (code) {
        case "A":
          return { outcome: "accepted" };
        case "R":
          return { outcome: "replay", orderId: value! };
        case "F":
          return { outcome: "in_flight" };
        case "M":
          return { outcome: "key_reused" };
        case "S":
          return { outcome: "signature_replayed" };
        case "L":
          return { outcome: "rate_limited", retryAfterMs: Number(value) };
        default:
          throw new Error(`unexpected admission reply ${code}`);
      }
    },
    commit(r) {
      return send("set", [idempotencyKey(r), queuedValue(r), "PX", queuedTtl(r)]);
    },
    release(r, behind) {
      const args = [
        idempotencyKey(r),
        seenKey(r),
        r.orderId,
        jobKeyPrefix + r.orderId,
        queuedValue(r),
        queuedTtl(r),
      ];
      return behind === "admission"
        ? send("orderhookRelease", args)
        : queueCommands.orderhookRelease(...args);
    },
  };
}
