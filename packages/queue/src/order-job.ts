import { findUnstorable, isStorableTime, orderAlertSchema } from "@orderhook/alert";
import { z } from "zod";

export const ORDER_QUEUE_NAME = "orders";
export const ORDER_JOB_NAME = "order";
export const ORDER_JOB_VERSION = 1;

/**
 * What the receiver puts on the queue and the worker takes off it. The worker parses it
 * again: data in Redis outlives deploys and is not trusted.
 */
export const orderJobSchema = z.strictObject({
  v: z.literal(ORDER_JOB_VERSION),
  /** UUIDv7 chosen by the receiver; the BullMQ jobId and the orders row's primary key. */
  orderId: z.uuid(),
  userId: z.uuid(),
  webhookId: z.uuid(),
  /** Resolved broker account (the alert's `account`, or the webhook's default). */
  accountId: z.uuid(),
  /** Explicit idempotency key (header or body), null when the body hash was used. */
  idempotencyKey: z.string().min(1).max(255).nullable(),
  alert: orderAlertSchema,
  /** The JSON body exactly as parsed, unknown fields included; nothing Postgres cannot store. */
  raw: z.record(z.string(), z.unknown()).superRefine((raw, ctx) => {
    const unstorable = findUnstorable(raw);
    if (unstorable !== null) {
      ctx.addIssue({ code: "custom", path: [unstorable.field], message: unstorable.message });
    }
  }),
  /** Epoch milliseconds when the receiver acknowledged the alert. */
  receivedAt: z.number().int().positive().refine(isStorableTime, "is outside the storable time range"),
});

export type OrderJob = z.infer<typeof orderJobSchema>;
