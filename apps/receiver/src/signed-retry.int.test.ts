import type { Fixture } from "@orderhook/testing";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buyAlert, createTestReceiver, type TestReceiver } from "../test/receiver-harness";

// Signed by the official Standard Webhooks library, as a sender using it (or Svix) signs: each
// attempt of one message keeps its webhook-id and is signed again with a fresh timestamp.

let r: TestReceiver;
let hook: Fixture;
let signer: Webhook;

beforeAll(async () => {
  // A 100 ms duplicate window: the retries below arrive after it, where only the webhook-id can match.
  r = await createTestReceiver({ dedupWindowMs: 100 });
  hook = await r.fixture({ signingSecret: true });
  signer = new Webhook(hook.signingSecret!);
});
afterAll(async () => {
  await r.close();
});

async function deliver(messageId: string, payload: string, at = new Date()) {
  const res = await r.app.request(`/v1/webhooks/${hook.token}`, {
    method: "POST",
    body: payload,
    headers: {
      "content-type": "application/json",
      "webhook-id": messageId,
      "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
      "webhook-signature": signer.sign(messageId, at, payload),
    },
  });
  const text = await res.text();
  return {
    status: res.status,
    text,
    body: JSON.parse(text) as Record<string, unknown>,
    replayed: res.headers.get("idempotent-replayed"),
  };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("signed retries (standardwebhooks signer)", () => {
  it("answers a retry of a queued webhook-id with 200, its orderId and Idempotent-Replayed: true, never a second order", async () => {
    const messageId = `msg_${Math.random().toString(36).slice(2)}`;
    const payload = JSON.stringify({ ...buyAlert, comment: messageId });
    const waitingBefore = await r.queue.getWaitingCount();
    const original = await deliver(messageId, payload);
    expect(original.status, original.text).toBe(202);

    await pause(250);
    const retries = await Promise.all([
      deliver(messageId, payload),
      deliver(messageId, payload, new Date(Date.now() + 1_000)),
    ]);
    for (const retry of retries) {
      expect(retry.status, retry.text).toBe(200);
      expect(retry.body.orderId, retry.text).toBe(original.body.orderId);
      expect(retry.replayed, retry.text).toBe("true");
    }
    expect(await r.queue.getWaitingCount(), "a retry queued a second job").toBe(waitingBefore + 1);
  });

  it("queues a new webhook-id with the same payload as a new order", async () => {
    const payload = JSON.stringify({ ...buyAlert, comment: `same-${Math.random()}` });
    const a = await deliver(`msg_a_${Math.random()}`, payload);
    await pause(250);
    const b = await deliver(`msg_b_${Math.random()}`, payload);
    expect([a.status, b.status], a.text + b.text).toEqual([202, 202]);
    expect(a.body.orderId, a.text + b.text).not.toBe(b.body.orderId);
  });

  it("still refuses a retry signed with another secret with 401, even for a known webhook-id", async () => {
    const messageId = `msg_${Math.random().toString(36).slice(2)}`;
    const payload = JSON.stringify({ ...buyAlert, comment: messageId });
    expect((await deliver(messageId, payload)).status).toBe(202);
    const forged = new Webhook(Buffer.from("not the webhook's secret").toString("base64"));
    const at = new Date();
    const res = await r.app.request(`/v1/webhooks/${hook.token}`, {
      method: "POST",
      body: payload,
      headers: {
        "webhook-id": messageId,
        "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
        "webhook-signature": forged.sign(messageId, at, payload),
      },
    });
    const text = await res.text();
    expect(res.status, text).toBe(401);
    expect(text, text).not.toContain("orderId");
  });
});
