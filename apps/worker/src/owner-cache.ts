import type { Sql } from "postgres";

export interface WebhookOwner {
  userId: string;
  active: boolean;
  /** Epoch ms, null while the webhook is live. */
  revokedAt: number | null;
}

export interface AccountOwner {
  userId: string;
  active: boolean;
}

export interface OwnerCacheOptions {
  sql: Sql;
  /** How long a lookup (found or not) is reused; a disabled account takes effect within it. */
  ttlMs: number;
  /** Entries kept per kind; the oldest are dropped beyond it. */
  maxEntries?: number;
}

export interface OwnerCache {
  webhook(id: string): Promise<WebhookOwner | null>;
  account(id: string): Promise<AccountOwner | null>;
  /** Drops the cached entries for an id, so the next lookup reads Postgres. */
  forget(id: string): void;
}

interface Slot<T> {
  expires: number;
  value: Promise<T>;
}

function createTtlMap<T>(ttlMs: number, maxEntries: number, load: (id: string) => Promise<T>) {
  const slots = new Map<string, Slot<T>>();
  return {
    get(id: string): Promise<T> {
      const now = Date.now();
      const slot = slots.get(id);
      if (slot !== undefined && slot.expires > now) return slot.value;
      // Concurrent jobs for the same owner share one query; a failed query is not cached.
      const value = load(id);
      value.catch(() => slots.delete(id));
      slots.delete(id);
      slots.set(id, { expires: now + ttlMs, value });
      if (slots.size > maxEntries) slots.delete(slots.keys().next().value!);
      return value;
    },
    delete(id: string) {
      slots.delete(id);
    },
  };
}

/** Webhook and account ownership as the worker checks it, read from Postgres at most once per TTL. */
export function createOwnerCache(options: OwnerCacheOptions): OwnerCache {
  const { sql, ttlMs, maxEntries = 50_000 } = options;
  const webhooks = createTtlMap(ttlMs, maxEntries, async (id) => {
    // Epoch ms computed by Postgres: Drizzle makes this client return timestamps as strings.
    const [row] = await sql<{ user_id: string; active: boolean; revoked_at: number | null }[]>`
      select user_id, active, (extract(epoch from revoked_at) * 1000)::float8 as revoked_at
      from webhooks where id = ${id}`;
    return row === undefined ? null : { userId: row.user_id, active: row.active, revokedAt: row.revoked_at };
  });
  const accounts = createTtlMap(ttlMs, maxEntries, async (id) => {
    const [row] = await sql<{ user_id: string; active: boolean }[]>`
      select user_id, active from broker_accounts where id = ${id}`;
    return row === undefined ? null : { userId: row.user_id, active: row.active };
  });
  return {
    webhook: (id) => webhooks.get(id),
    account: (id) => accounts.get(id),
    forget(id) {
      webhooks.delete(id);
      accounts.delete(id);
    },
  };
}
