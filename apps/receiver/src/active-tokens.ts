/**
 * The hashes of every token that can be valid now: active, unrevoked webhooks. A hash not in
 * the set is refused without a query, so random tokens never reach Postgres; a hash in it is
 * still checked against the credential cache (and Postgres), so a stale member is harmless.
 * Memory: one 64-character string per active webhook (≈ 120 bytes with the set's entry).
 */
export interface ActiveTokens {
  has(tokenHash: string): boolean;
  add(tokenHash: string): void;
  delete(tokenHash: string): void;
  /** Replaces the whole set (a reload from Postgres). */
  replace(tokenHashes: Iterable<string>): void;
  readonly size: number;
}

export function createActiveTokens(initial: Iterable<string> = []): ActiveTokens {
  let hashes = new Set<string>(initial);
  return {
    has: (tokenHash) => hashes.has(tokenHash),
    add(tokenHash) {
      hashes.add(tokenHash);
    },
    delete(tokenHash) {
      hashes.delete(tokenHash);
    },
    replace(tokenHashes) {
      hashes = new Set(tokenHashes);
    },
    get size() {
      return hashes.size;
    },
  };
}
