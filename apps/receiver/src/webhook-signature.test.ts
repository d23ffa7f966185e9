import { createHmac } from "node:crypto";
import { Webhook as StandardWebhook } from "standardwebhooks";
import { Webhook as SvixWebhook } from "svix";
import { describe, expect, it } from "vitest";
import { signingKey, verifyWebhookSignature } from "./webhook-signature";

const secret = `whsec_${Buffer.from("a very secret key of 32 bytes!!!").toString("base64")}`;
const key = signingKey(secret);
const body = Buffer.from('{"ticker":"AAPL","action":"buy","quantity":1}');
const now = 1_750_000_000_000;

function sign(id: string, timestamp: number, payload: Buffer = body): string {
  return `v1,${createHmac("sha256", key).update(`${id}.${timestamp}.`).update(payload).digest("base64")}`;
}

describe("verifyWebhookSignature", () => {
  const ts = now / 1000;

  it("accepts the Standard Webhooks signature, alone or among others", () => {
    expect(
      verifyWebhookSignature(
        key,
        { id: "msg_1", timestamp: String(ts), signature: sign("msg_1", ts) },
        body,
        now,
      ),
    ).toBe(true);
    const several = `v1,Zm9v v2,abc ${sign("msg_1", ts)}`;
    expect(
      verifyWebhookSignature(key, { id: "msg_1", timestamp: String(ts), signature: several }, body, now),
    ).toBe(true);
  });

  it("refuses a signature over another body, id or secret", () => {
    const other = Buffer.from("{}");
    expect(
      verifyWebhookSignature(
        key,
        { id: "msg_1", timestamp: String(ts), signature: sign("msg_1", ts, other) },
        body,
        now,
      ),
    ).toBe(false);
    expect(
      verifyWebhookSignature(
        key,
        { id: "msg_2", timestamp: String(ts), signature: sign("msg_1", ts) },
        body,
        now,
      ),
    ).toBe(false);
    expect(
      verifyWebhookSignature(
        signingKey("whsec_b3RoZXI="),
        { id: "msg_1", timestamp: String(ts), signature: sign("msg_1", ts) },
        body,
        now,
      ),
    ).toBe(false);
  });

  it("refuses timestamps more than five minutes away and missing headers", () => {
    const old = ts - 301;
    expect(
      verifyWebhookSignature(key, { id: "m", timestamp: String(old), signature: sign("m", old) }, body, now),
    ).toBe(false);
    const future = ts + 301;
    expect(
      verifyWebhookSignature(
        key,
        { id: "m", timestamp: String(future), signature: sign("m", future) },
        body,
        now,
      ),
    ).toBe(false);
    expect(
      verifyWebhookSignature(key, { id: null, timestamp: String(ts), signature: sign("m", ts) }, body, now),
    ).toBe(false);
    expect(
      verifyWebhookSignature(key, { id: "m", timestamp: "soon", signature: sign("m", ts) }, body, now),
    ).toBe(false);
  });
});

describe("verifyWebhookSignature against the official libraries", () => {
  const ts = now / 1000;

  it("accepts signatures made by the standardwebhooks and svix npm packages", () => {
    for (const signer of [new StandardWebhook(secret), new SvixWebhook(secret)]) {
      const signature = signer.sign("msg_lib", new Date(now), body.toString());
      expect(
        verifyWebhookSignature(key, { id: "msg_lib", timestamp: String(ts), signature }, body, now),
        signer.constructor.name,
      ).toBe(true);
      expect(
        verifyWebhookSignature(
          key,
          { id: "msg_lib", timestamp: String(ts), signature },
          Buffer.from("{}"),
          now,
        ),
      ).toBe(false);
    }
  });

  it("signs the way those packages verify", () => {
    const headers = { "webhook-id": "msg_ours", "webhook-timestamp": String(Math.floor(Date.now() / 1000)) };
    const ourSignature = `v1,${createHmac("sha256", key)
      .update(`${headers["webhook-id"]}.${headers["webhook-timestamp"]}.`)
      .update(body)
      .digest("base64")}`;
    expect(() =>
      new StandardWebhook(secret).verify(body.toString(), { ...headers, "webhook-signature": ourSignature }),
    ).not.toThrow();
    expect(() =>
      new SvixWebhook(secret).verify(body.toString(), {
        "svix-id": headers["webhook-id"],
        "svix-timestamp": headers["webhook-timestamp"],
        "svix-signature": ourSignature,
      }),
    ).not.toThrow();
  });
});
