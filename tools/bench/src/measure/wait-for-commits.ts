import { setTimeout as sleep } from "node:timers/promises";
import type { CommitListener } from "./commit-listener";

export interface CommitsSeen {
  /** When the last of the orders' commits was announced (epoch ms); null when some never were. */
  lastCommitAtMs: number | null;
  /** Orders whose commit was not announced before the wait ended. */
  missing: number;
}

/**
 * Waits until the commit of every order in `orderIds` has been announced, giving up at the
 * deadline or when no commit has arrived for `stallMs`. `announcedBefore` is the listener's count
 * before these orders could commit: the ids are looked up only once the count says they can all be
 * in (and again whenever it grows after that), not for every batch announced.
 */
export async function waitForCommits(
  listener: CommitListener,
  orderIds: string[],
  announcedBefore: number,
  options: { timeoutMs: number; stallMs: number },
): Promise<CommitsSeen> {
  const deadline = Date.now() + options.timeoutMs;
  let size = -1;
  let lastChange = Date.now();
  for (;;) {
    if (listener.committedAt.size !== size) {
      size = listener.committedAt.size;
      lastChange = Date.now();
      if (size - announcedBefore >= orderIds.length) {
        const seen = lookUp(listener, orderIds);
        if (seen.missing === 0) return seen;
      }
    }
    if (Date.now() > deadline || Date.now() - lastChange > options.stallMs) return lookUp(listener, orderIds);
    await sleep(10);
  }
}

function lookUp(listener: CommitListener, orderIds: string[]): CommitsSeen {
  let last = Number.NEGATIVE_INFINITY;
  let missing = 0;
  for (const id of orderIds) {
    const at = listener.committedAt.get(id);
    if (at === undefined) missing++;
    else if (at > last) last = at;
  }
  return { lastCommitAtMs: missing === 0 && orderIds.length > 0 ? last : null, missing };
}
