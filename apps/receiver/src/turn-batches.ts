/**
 * Sends one group's batch (`items` in the order they were added); resolves with one result per
 * item, an `Error` for an item that failed alone. A rejection fails every item of the batch.
 */
export type RunBatch<T, R> = (group: number, items: readonly T[]) => Promise<ReadonlyArray<R | Error>>;

export interface TurnBatchesOptions {
  /** Items per batch at most: a full batch is sent at once, and later items start the next. */
  maxBatch: number;
  /**
   * Wraps the sending of a turn's batches, so that they leave together (a corked socket); the
   * batches are sent synchronously inside `sendAll`.
   */
  together?: (sendAll: () => void) => void;
}

export interface TurnBatches<T, R> {
  /** Adds `item` to its group's batch of this turn; settles with its own result. */
  add(group: number, item: T): Promise<R>;
}

interface Batch<T, R> {
  items: T[];
  resolves: ((result: R) => void)[];
  rejects: ((error: unknown) => void)[];
}

/**
 * Items added during one event-loop turn, grouped (by queue shard), leave as one batch per
 * group in the check phase (`setImmediate`, after the poll phase has run every request that
 * was ready) — or as soon as a batch is full. In a burst a turn runs hundreds of requests, and
 * one call for many of them saves the per-call work on both ends (ADR 5); at a steady rate a
 * turn holds one item, which waits only for the rest of its turn, as a lone call would in a
 * corked socket. Each item settles with its own result: an item's `Error` rejects that item
 * alone, a failed batch rejects each of its items with the batch's error.
 */
export function createTurnBatches<T, R>(run: RunBatch<T, R>, options: TurnBatchesOptions): TurnBatches<T, R> {
  const { maxBatch, together = (sendAll) => sendAll() } = options;
  // Indexed by group (a shard number): the open batch of this turn, if any.
  const open: (Batch<T, R> | undefined)[] = [];
  const openGroups: number[] = [];

  // The callbacks keep only the batch's settle functions: its items (a request's encoded
  // arguments) are garbage once sent, not live until the reply — in a burst, live young objects
  // are what each scavenge copies.
  function send(group: number, batch: Batch<T, R>): void {
    const { resolves, rejects } = batch;
    const count = batch.items.length;
    const failAll = (error: unknown) => {
      for (const reject of rejects) reject(error);
    };
    let results: Promise<ReadonlyArray<R | Error>>;
    try {
      results = run(group, batch.items);
    } catch (error) {
      failAll(error);
      return;
    }
    results.then((settled) => {
      if (settled.length !== count) {
        failAll(new Error(`a batch of ${count} got ${settled.length} results`));
        return;
      }
      for (let i = 0; i < count; i++) {
        const result = settled[i]!;
        if (result instanceof Error) rejects[i]!(result);
        else resolves[i]!(result);
      }
    }, failAll);
  }

  const sendTurn = () => {
    for (const group of openGroups) {
      const batch = open[group];
      open[group] = undefined;
      if (batch !== undefined) send(group, batch);
    }
    // Emptied by pops: setting an array's length is a runtime call.
    while (openGroups.length > 0) openGroups.pop();
  };
  // A lone batch is one write anyway: `together` only for several.
  const flushTurn = () => (openGroups.length === 1 ? sendTurn() : together(sendTurn));

  return {
    add(group, item) {
      let resolve!: (result: R) => void;
      let reject!: (error: unknown) => void;
      const result = new Promise<R>((settle, fail) => {
        resolve = settle;
        reject = fail;
      });
      let batch = open[group];
      if (batch === undefined) {
        // Arrays made with their first element: at a steady rate a batch holds one item, and an
        // empty array's first push allocates 17 slots.
        batch = { items: [item], resolves: [resolve], rejects: [reject] };
        open[group] = batch;
        if (openGroups.length === 0) setImmediate(flushTurn);
        openGroups.push(group);
      } else {
        batch.items.push(item);
        batch.resolves.push(resolve);
        batch.rejects.push(reject);
      }
      if (batch.items.length >= maxBatch) {
        // Sent now; the group's next item opens a new batch, flushed with the rest of the turn.
        open[group] = undefined;
        send(group, batch);
      }
      return result;
    },
  };
}
