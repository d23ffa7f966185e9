import type { CredentialLoader, WebhookCredentials } from "./credentials";

export interface CredentialCacheOptions {
  load: CredentialLoader;
  /** Entries older than this are served once more while a background refresh runs. */
  ttlMs: number;
  /** How long an unknown or revoked token hash is remembered as such. */
  negativeTtlMs?: number;
  /** Bound on remembered unknown hashes, so a flood of random tokens cannot grow memory. */
  maxNegativeEntries?: number;
  now?: () => number;
  onRefreshError?: (error: unknown) => void;
}

export interface CredentialCache {
  get(tokenHash: string): Promise<WebhookCredentials | null>;
  /** Drops every entry of this webhook, token hash or user (credential events). */
  invalidate(match: { tokenHash?: string | null; webhookId?: string; userId?: string }): void;
  /** Marks everything stale (events may have been missed while unsubscribed). */
  expireAll(): void;
  readonly size: number;
}

interface Entry {
  value: WebhookCredentials | null;
  freshUntil: number;
}

/**
 * Token hash → credentials in memory, so a steady stream of alerts costs no database
 * query: stale entries are answered from memory while one refresh per hash runs in the
 * background; only a never-seen (or invalidated) hash waits for Postgres.
 */
export function createCredentialCache(options: CredentialCacheOptions): CredentialCache {
  const { load, ttlMs, negativeTtlMs = 2_000, maxNegativeEntries = 10_000, now = Date.now } = options;
  const entries = new Map<string, Entry>();
  const loading = new Map<string, Promise<WebhookCredentials | null>>();
  let negativeCount = 0;
  // Bumped by every invalidation: a load that started before it must not store what it read.
  let generation = 0;

  function store(tokenHash: string, value: WebhookCredentials | null): void {
    const previous = entries.get(tokenHash);
    if (previous?.value === null) negativeCount--;
    if (value === null) {
      if (negativeCount >= maxNegativeEntries) {
        for (const [hash, entry] of entries) if (entry.value === null) entries.delete(hash);
        negativeCount = 0;
      }
      negativeCount++;
    }
    entries.set(tokenHash, { value, freshUntil: now() + (value === null ? negativeTtlMs : ttlMs) });
  }

  function refresh(tokenHash: string): Promise<WebhookCredentials | null> {
    const pending = loading.get(tokenHash);
    if (pending !== undefined) return pending;
    const startedAt = generation;
    const promise = load(tokenHash)
      .then((value) => {
        if (startedAt === generation) store(tokenHash, value);
        return value;
      })
      .finally(() => loading.delete(tokenHash));
    loading.set(tokenHash, promise);
    return promise;
  }

  return {
    get(tokenHash) {
      const entry = entries.get(tokenHash);
      if (entry === undefined) return refresh(tokenHash);
      if (entry.freshUntil < now()) {
        if (entry.value === null) return refresh(tokenHash);
        refresh(tokenHash).catch((error: unknown) => options.onRefreshError?.(error));
      }
      return Promise.resolve(entry.value);
    },
    invalidate({ tokenHash, webhookId, userId }) {
      generation++;
      for (const [hash, entry] of entries) {
        const value = entry.value;
        const hit =
          hash === tokenHash ||
          (value !== null && (value.webhookId === webhookId || value.userId === userId));
        if (!hit) continue;
        if (value === null) negativeCount--;
        entries.delete(hash);
      }
    },
    expireAll() {
      generation++;
      for (const entry of entries.values()) entry.freshUntil = 0;
    },
    get size() {
      return entries.size;
    },
  };
}
