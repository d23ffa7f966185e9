import type { Redis } from "ioredis";

/** Call before sending a command: it leaves with the others sent in the same event-loop turn. */
export type BatchWrites = () => void;

/**
 * Commands sent on `redis` during one turn of the event loop leave in one socket write: the
 * first corks the connection's socket and the check phase (`setImmediate`, after the poll
 * phase has run every request that was ready) uncorks it. In a burst a turn runs hundreds of
 * requests, and each write syscall on loopback also runs Redis's side of TCP — measured 11 %
 * of the receiver's CPU in a 20,000-alert burst (ADR 5). At a steady rate a turn holds one
 * command, which then waits only for the rest of its turn. Unlike ioredis's auto-pipelining no
 * `Pipeline` is built: ioredis writes each command as before, into a corked socket.
 */
export function createTurnBatchedWrites(redis: Redis): BatchWrites {
  let corked: Redis["stream"] | null = null;
  const uncork = () => {
    const stream = corked;
    corked = null;
    stream?.uncork();
  };
  return function batchWrites() {
    if (corked !== null) return;
    // Read each time: ioredis replaces the socket when it reconnects.
    const stream = redis.stream;
    if (stream === undefined || stream === null || redis.status !== "ready") return;
    stream.cork();
    corked = stream;
    setImmediate(uncork);
  };
}
