import { randomUUID } from "node:crypto";
import { parseAlert } from "@orderhook/alert";
import { ORDER_JOB_VERSION } from "@orderhook/queue";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestReceiver, type TestReceiver } from "../test/receiver-harness";
import { type AdmitRequest, createAdmission } from "./admission";
import { newOrderId } from "./order-id";

// Every admission step that can fail runs before the job is added: a rate of 0 or below, or a
// key lifetime that Redis would refuse, is refused with nothing written, so a sender's retry can
// never find a queued job without its idempotency key (which would queue it a second time).

let r: TestReceiver;

beforeAll(async () => {
  r = await createTestReceiver();
});
afterAll(async () => {
  await r.close();
});

function request(rate: number, idempotencyKey: string | null): AdmitRequest {
  const receivedAt = Date.now();
  return {
    bodyHash: "aGFzaA==",
    rate,
    signature: null,
    job: {
      v: ORDER_JOB_VERSION,
      orderId: newOrderId(receivedAt),
      userId: randomUUID(),
      webhookId: randomUUID(),
      accountId: randomUUID(),
      idempotencyKey,
      alert: parseAlert({ ticker: "AAPL", action: "buy", quantity: 1 }),
      raw: { ticker: "AAPL", action: "buy", quantity: 1 },
      receivedAt,
    },
  };
}

async function keysOf(userId: string): Promise<string[]> {
  return r.redis.keys(`${r.prefix}:*${userId}*`);
}

describe("admission arguments", () => {
  it("refuses a rate of 0, below 0 or not a number before queuing anything, keyed or not", async () => {
    const admission = createAdmission(r.redis, r.queue, {
      prefix: r.prefix,
      idempotencyTtlMs: 86_400_000,
      dedupWindowMs: 1_000,
    });
    for (const rate of [0, -1, -0.5, Number.NaN]) {
      for (const key of [null, `key-${rate}`]) {
        const req = request(rate, key);
        await expect(admission.admit(req), `rate ${rate}`).rejects.toThrow(/refused before queuing anything/);
        expect(await r.queue.getJob(req.job.orderId), `rate ${rate}: a job was queued`).toBeUndefined();
        expect(await keysOf(req.job.userId), `rate ${rate}: keys were left`).toEqual([]);
      }
    }
  });

  it("refuses a key lifetime Redis would reject (a 0 ms window) before queuing anything", async () => {
    const admission = createAdmission(r.redis, r.queue, {
      prefix: r.prefix,
      idempotencyTtlMs: 86_400_000,
      dedupWindowMs: 0,
    });
    const req = request(10, null);
    await expect(admission.admit(req)).rejects.toThrow(/refused before queuing anything/);
    expect(await r.queue.getJob(req.job.orderId)).toBeUndefined();
    expect(await keysOf(req.job.userId)).toEqual([]);
  });

  it("admits the same request with a positive rate and writes its job and keys together", async () => {
    const admission = createAdmission(r.redis, r.queue, {
      prefix: r.prefix,
      idempotencyTtlMs: 86_400_000,
      dedupWindowMs: 1_000,
    });
    const req = request(5, "positive");
    expect(await admission.admit(req)).toEqual({ outcome: "accepted" });
    expect(await r.queue.getJob(req.job.orderId)).toBeDefined();
    expect((await keysOf(req.job.userId)).length).toBe(2);
  });
});
