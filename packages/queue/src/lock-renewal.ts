import type { Worker } from "bullmq";
import type { BatchLogger } from "./batch-logger";

export interface LockRenewalOptions {
  /** Its `extendJobLocks` (BullMQ's extendLocks script) renews the locks. */
  worker: Worker;
  lockDurationMs: number;
  logger: BatchLogger;
}

export interface LockRenewal {
  /** Renews the locks of `ids`, taken with `token`, until the returned release is called. */
  hold(ids: string[], token: string): () => void;
  stop(): void;
}

/** BullMQ's lock extender, for batches: every half lock duration, one script for all jobs held. */
export function startLockRenewal(options: LockRenewalOptions): LockRenewal {
  const { worker, lockDurationMs, logger } = options;
  const held = new Set<{ ids: string[]; token: string }>();
  const timer = setInterval(() => {
    if (held.size === 0) return;
    const batches = [...held];
    const ids = batches.flatMap((b) => b.ids);
    const tokens = batches.flatMap((b) => b.ids.map(() => b.token));
    worker.extendJobLocks(ids, tokens, lockDurationMs).then(
      (lost) => {
        if (lost.length > 0) logger.warn({ orderIds: lost }, "could not renew the lock of jobs still held");
      },
      (error: unknown) => logger.warn({ err: error }, "lock renewal failed"),
    );
  }, lockDurationMs / 2);
  return {
    hold(ids, token) {
      const batch = { ids, token };
      held.add(batch);
      return () => held.delete(batch);
    },
    stop: () => clearInterval(timer),
  };
}
