import type { FieldError } from "@orderhook/errors";

/** What the receiver records of one request to a webhook (the stream entry's one field, `d`). */
export interface DeliveryRecord {
  /** When the receiver got the request, epoch ms (the receiver's clock). */
  receivedAt: number;
  requestId: string;
  /** "accepted", "replayed" or the problem's code. */
  outcome: string;
  httpStatus: number;
  orderId: string | null;
  errors: FieldError[];
  /**
   * Milliseconds from the request's start to its answer. For an accepted alert the answer waits
   * on the admission script that writes the entry, so this is the time up to sending that script
   * (its round trip, typically a fraction of a millisecond, is in the receiver's
   * `orderhook_receiver_enqueue_seconds` metric). Refusals record the full time.
   */
  ackMs: number;
  clientIp: string;
  contentType: string | null;
  /** The first 4 KiB of the body as text, with the webhook's token cut out. */
  bodyExcerpt: string;
}

/** The entry's only field; one JSON value costs Redis and the receiver less than 10 fields. */
export const DELIVERY_FIELD = "d";

/** Short keys: up to 1,000 entries per webhook are kept, so each byte counts a thousand times. */
export function encodeDelivery(record: DeliveryRecord): string {
  return JSON.stringify({
    t: record.receivedAt,
    r: record.requestId,
    o: record.outcome,
    s: record.httpStatus,
    i: record.orderId,
    e: record.errors.length === 0 ? undefined : record.errors,
    // Microsecond precision is all a latency needs, and keeps the entry short.
    m: Math.round(record.ackMs * 1000) / 1000,
    a: record.clientIp,
    c: record.contentType,
    b: record.bodyExcerpt,
  });
}

interface Encoded {
  t?: unknown;
  r?: unknown;
  o?: unknown;
  s?: unknown;
  i?: unknown;
  e?: unknown;
  m?: unknown;
  a?: unknown;
  c?: unknown;
  b?: unknown;
}

const text = (value: unknown, fallback = ""): string => (typeof value === "string" ? value : fallback);
const count = (value: unknown): number => (typeof value === "number" && Number.isFinite(value) ? value : 0);

function fieldErrors(value: unknown): FieldError[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((item: { field?: unknown; message?: unknown }) =>
    typeof item === "object" && item !== null
      ? [{ field: text(item.field), message: text(item.message) }]
      : [],
  );
}

/** An entry as read back; a damaged one decodes to what can be read, never throws. */
export function decodeDelivery(value: string | undefined): DeliveryRecord {
  let encoded: Encoded = {};
  try {
    const parsed: unknown = JSON.parse(value ?? "{}");
    if (typeof parsed === "object" && parsed !== null) encoded = parsed as Encoded;
  } catch {
    // A value not written by this code: show the entry with what little it has.
  }
  return {
    receivedAt: count(encoded.t),
    requestId: text(encoded.r),
    outcome: text(encoded.o, "unknown"),
    httpStatus: count(encoded.s),
    orderId: typeof encoded.i === "string" ? encoded.i : null,
    errors: fieldErrors(encoded.e),
    ackMs: count(encoded.m),
    clientIp: text(encoded.a),
    contentType: typeof encoded.c === "string" ? encoded.c : null,
    bodyExcerpt: text(encoded.b),
  };
}
