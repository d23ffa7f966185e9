/**
 * The Redis key of one kind of a user's state (`{prefix}:idem:{userId}`, `…:rate:…`,
 * `…:deliveries:…`). Every per-user key is built here, so the keys one admission script
 * touches stay together whatever layout they get (a Redis Cluster hash tag on the user id puts
 * them all on one slot).
 */
export function userKey(prefix: string, userId: string, kind: string): string {
  return `${prefix}:${kind}:${userId}`;
}
