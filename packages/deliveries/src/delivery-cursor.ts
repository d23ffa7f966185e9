/** A position in a user's merged log: a stream entry id and the webhook whose stream it is in. */
export interface DeliveryCursor {
  entryId: string;
  ms: number;
  seq: number;
  webhookId: string;
}

const CURSOR = /^(\d{1,16})-(\d{1,16})\.([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

export function formatCursor(entryId: string, webhookId: string): string {
  return `${entryId}.${webhookId}`;
}

/** Null for anything `formatCursor` cannot have made. */
export function parseCursor(value: string): DeliveryCursor | null {
  const match = CURSOR.exec(value);
  if (match === null) return null;
  return {
    entryId: `${match[1]}-${match[2]}`,
    ms: Number(match[1]),
    seq: Number(match[2]),
    webhookId: match[3]!,
  };
}

/** Newest first; entries with the same id in two streams are ordered by webhook id, descending. */
export function compareNewestFirst(
  a: { ms: number; seq: number; webhookId: string },
  b: { ms: number; seq: number; webhookId: string },
): number {
  if (a.ms !== b.ms) return b.ms - a.ms;
  if (a.seq !== b.seq) return b.seq - a.seq;
  return a.webhookId < b.webhookId ? 1 : a.webhookId > b.webhookId ? -1 : 0;
}
