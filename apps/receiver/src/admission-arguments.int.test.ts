import { randomUUID } from "node:crypto";
import { parseAlert } from "@orderhook/alert";
import { ORDER_JOB_VERSION } from "@orderhook/queue";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestReceiver, type TestReceiver } from "../test/receiver-harness";
import { type AdmitRequest, createAdmission } from "./admission";
import { newOrderId } from "./order-id";

// Every admission step that can fail runs before the job is added: a rate of 0 or below, or a
// key lifetime that Redis would refuse, is refused with nothing written, so a sender's retry can
// never find a queued job without its idempotency key (which would queue it a second time). A
// dedup window of 0 is not such a lifetime: it turns body-hash deduplication off.

let r: TestReceiver;

beforeAll(async () => {
  r = await createTestReceiver();
});
afterAll(async () => {
  await r.close();
});

function request(
  rate: number,
  idempotencyKey: string | null,
  options: { dedupWindowMs?: number; burst?: number } = {},
): AdmitRequest {
  const receivedAt = Date.now();
  return {
    bodyHash: "aGFzaA==",
    rate,
    burst: options.burst ?? rate,
    dedupWindowMs: options.dedupWindowMs ?? 1_000,
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

  it("refuses a key lifetime Redis would reject (a fraction of a ms, or below 0) before queuing anything", async () => {
    const admission = createAdmission(r.redis, r.queue, {
      prefix: r.prefix,
      idempotencyTtlMs: 86_400_000,
    });
    for (const dedupWindowMs of [0.5, -1, Number.POSITIVE_INFINITY]) {
      const req = request(10, null, { dedupWindowMs });
      await expect(admission.admit(req), `window ${dedupWindowMs}`).rejects.toThrow(
        /refused before queuing anything/,
      );
      expect(await r.queue.getJob(req.job.orderId)).toBeUndefined();
      expect(await keysOf(req.job.userId)).toEqual([]);
    }
  });

  it("refuses a logged alert whose deliveries max age PEXPIRE would reject before queuing anything, alone or in a batch", async () => {
    const admission = createAdmission(r.redis, r.queue, {
      prefix: r.prefix,
      idempotencyTtlMs: 86_400_000,
      deliveryLog: { maxEntries: 10, maxAgeMs: 1.5 },
    });
    const logged = () => ({ ...request(10, null), delivery: "{}" });
    for (const batch of [[logged()], [logged(), logged()]]) {
      for (const settled of await Promise.allSettled(batch.map((req) => admission.admit(req)))) {
        expect(settled).toMatchObject({
          status: "rejected",
          reason: { message: expect.stringMatching(/arguments/) },
        });
      }
      for (const req of batch) {
        expect(await r.queue.getJob(req.job.orderId)).toBeUndefined();
        expect(await keysOf(req.job.userId)).toEqual([]);
      }
    }
  });

  it("refuses a burst tolerance the rate key's lifetime could not follow (1e15 ms and over) before queuing anything", async () => {
    const admission = createAdmission(r.redis, r.queue, { prefix: r.prefix, idempotencyTtlMs: 86_400_000 });
    // At 1 alert a second the tolerance is 1,000 ms per alert of burst.
    const req = request(1, null, { burst: 1e12 });
    await expect(admission.admit(req)).rejects.toThrow(/refused before queuing anything/);
    expect(await keysOf(req.job.userId)).toEqual([]);
    expect(await admission.admit(request(1, null, { burst: 1e11 }))).toEqual({ outcome: "accepted" });
  });

  it("queues a keyless request on a window of 0 without reading or writing a dedup key", async () => {
    const admission = createAdmission(r.redis, r.queue, {
      prefix: r.prefix,
      idempotencyTtlMs: 86_400_000,
    });
    const first = request(10, null, { dedupWindowMs: 0 });
    // The same body, user, webhook and account again: with the window off, a second order.
    const second = {
      ...request(10, null, { dedupWindowMs: 0 }),
      job: { ...first.job, orderId: newOrderId(Date.now()) },
    };
    expect(await admission.admit(first)).toEqual({ outcome: "accepted" });
    expect(await admission.admit(second)).toEqual({ outcome: "accepted" });
    expect(await r.queue.getJob(second.job.orderId)).toBeDefined();
    // Only the rate-limit key: no idempotency key was written.
    expect(await keysOf(first.job.userId)).toEqual([`${r.prefix}:rate:${first.job.userId}`]);
  });

  it("admits as many alerts at once as the burst allows, then refuses the next with the wait", async () => {
    const admission = createAdmission(r.redis, r.queue, {
      prefix: r.prefix,
      idempotencyTtlMs: 86_400_000,
    });
    const userId = randomUUID();
    const outcomes: string[] = [];
    for (let i = 0; i < 15; i++) {
      // One a second: the bucket does not refill noticeably while the loop runs.
      const req = request(1, `burst-${i}`, { burst: 14 });
      const result = await admission.admit({ ...req, job: { ...req.job, userId } });
      outcomes.push(result.outcome);
    }
    expect(outcomes.slice(0, 14), outcomes.join()).toEqual(Array(14).fill("accepted"));
    expect(outcomes[14], outcomes.join()).toBe("rate_limited");
  });

  it("admits the same request with a positive rate and writes its job and keys together", async () => {
    const admission = createAdmission(r.redis, r.queue, {
      prefix: r.prefix,
      idempotencyTtlMs: 86_400_000,
    });
    const req = request(5, "positive");
    expect(await admission.admit(req)).toEqual({ outcome: "accepted" });
    expect(await r.queue.getJob(req.job.orderId)).toBeDefined();
    expect((await keysOf(req.job.userId)).length).toBe(2);
  });
});
