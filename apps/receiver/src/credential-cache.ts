import type { ActiveTokens } from "./active-tokens";
import type { CredentialLoader, WebhookCredentials } from "./credentials";

export interface CredentialCacheOptions {
  load: CredentialLoader;
  /** Hashes that can be valid; any other is unknown at once, without a query. */
  activeTokens: ActiveTokens;
  /** Entries older than this are served once more while a background refresh runs. */
  ttlMs: number;
  /** How long a hash in `activeTokens` that Postgres does not know (revoked meanwhile) is remembered as such. */
  negativeTtlMs?: number;
  /** Bound on remembered unknown hashes. */
  maxNegativeEntries?: number;
  /** Distinct hashes loading at once, at most; a miss beyond it is refused (503), never queued. */
  maxConcurrentLoads?: number;
  /** Callers stop waiting for a load after this (503); its query keeps its place under the cap until it ends. */
  loadTimeoutMs?: number;
  now?: () => number;
  onRefreshError?: (error: unknown) => void;
}

export interface CredentialCache {
  get(tokenHash: string): Promise<WebhookCredentials | null>;
  /** Drops every entry of this webhook, token hash or user (credential events). */
  invalidate(match: { tokenHash?: string | null; webhookId?: string; userId?: string }): void;
  /**
   * Credential events may be missed from now on (the subscription dropped): until `resume`,
   * an entry loaded before this moment is reloaded before it is used, and none is served stale.
   */
  suspend(): void;
  /** Events flow again; `missed`: some were lost meanwhile, so every entry is dropped. */
  resume(missed: boolean): void;
  readonly size: number;
  /** Between `suspend` and `resume`. */
  readonly suspended: boolean;
  /** Credential queries running now (bounded by `maxConcurrentLoads`). */
  readonly loadsInFlight: number;
}

/** Refused before Postgres was asked (too many loads at once) or given up on (too slow): a 503. */
export class CredentialLoadRefusedError extends Error {
  constructor(reason: "busy" | "timeout") {
    super(reason === "busy" ? "too many credential loads at once" : "credential load timed out");
    this.name = "CredentialLoadRefusedError";
  }
}

interface Entry {
  value: WebhookCredentials | null;
  /** The answer handed to every request while the entry is used: one promise per load, not per request. */
  answer: Promise<WebhookCredentials | null>;
  /** The suspension epoch in which the load that produced it started. */
  epoch: number;
  freshUntil: number;
}

const UNKNOWN: Promise<null> = Promise.resolve(null);

/**
 * Token hash → credentials in memory, so a steady stream of alerts costs no database
 * query: a hash outside the active set is unknown without one; stale entries are answered
 * from memory while one refresh per hash runs in the background; only a never-seen (or
 * invalidated) active hash waits for Postgres — sharing one query per hash, with at most
 * `maxConcurrentLoads` queries at once and callers released after `loadTimeoutMs`.
 */
export function createCredentialCache(options: CredentialCacheOptions): CredentialCache {
  const {
    load,
    activeTokens,
    ttlMs,
    negativeTtlMs = 2_000,
    maxNegativeEntries = 10_000,
    maxConcurrentLoads = 16,
    loadTimeoutMs = 2_000,
    now = Date.now,
  } = options;
  const entries = new Map<string, Entry>();
  const loading = new Map<string, Promise<WebhookCredentials | null>>();
  let queriesInFlight = 0;
  let negativeCount = 0;
  // Bumped by every invalidation: a load that started before it must not store what it read.
  let generation = 0;
  // Bumped by every suspension; while suspended, entries loaded in an earlier epoch are not trusted.
  let epoch = 0;
  let trustedFromEpoch = 0;
  let suspended = false;

  function store(tokenHash: string, value: WebhookCredentials | null, loadEpoch: number): void {
    const previous = entries.get(tokenHash);
    if (previous?.value === null) negativeCount--;
    if (value === null) {
      if (negativeCount >= maxNegativeEntries) {
        for (const [hash, entry] of entries) if (entry.value === null) entries.delete(hash);
        negativeCount = 0;
      }
      negativeCount++;
    }
    entries.set(tokenHash, {
      value,
      answer: value === null ? UNKNOWN : Promise.resolve(value),
      epoch: loadEpoch,
      freshUntil: now() + (value === null ? negativeTtlMs : ttlMs),
    });
  }

  function startLoad(tokenHash: string): Promise<WebhookCredentials | null> {
    const pending = loading.get(tokenHash);
    if (pending !== undefined) return pending;
    if (queriesInFlight >= maxConcurrentLoads) return Promise.reject(new CredentialLoadRefusedError("busy"));
    queriesInFlight++;
    const startedAt = generation;
    const loadEpoch = epoch;
    const query = load(tokenHash).then((value) => {
      if (startedAt === generation) store(tokenHash, value, loadEpoch);
      return value;
    });
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new CredentialLoadRefusedError("timeout")), loadTimeoutMs);
    });
    const answer = Promise.race([query, deadline]).finally(() => {
      clearTimeout(timer);
      if (loading.get(tokenHash) === answer) loading.delete(tokenHash);
    });
    query
      .finally(() => {
        queriesInFlight--;
      })
      .catch(() => {});
    loading.set(tokenHash, answer);
    return answer;
  }

  return {
    get(tokenHash) {
      if (!activeTokens.has(tokenHash)) return UNKNOWN;
      const entry = entries.get(tokenHash);
      if (entry === undefined || entry.epoch < trustedFromEpoch) return startLoad(tokenHash);
      if (entry.freshUntil < now()) {
        if (entry.value === null || suspended) return startLoad(tokenHash);
        // Under the load cap a stale entry is served as is; the next request tries the refresh again.
        if (queriesInFlight < maxConcurrentLoads) {
          startLoad(tokenHash).catch((error: unknown) => options.onRefreshError?.(error));
        }
      }
      return entry.answer;
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
    suspend() {
      if (suspended) return;
      suspended = true;
      generation++;
      epoch++;
      trustedFromEpoch = epoch;
    },
    resume(missed) {
      suspended = false;
      trustedFromEpoch = 0;
      if (missed) {
        generation++;
        entries.clear();
        negativeCount = 0;
      }
    },
    get size() {
      return entries.size;
    },
    get suspended() {
      return suspended;
    },
    get loadsInFlight() {
      return queriesInFlight;
    },
  };
}
