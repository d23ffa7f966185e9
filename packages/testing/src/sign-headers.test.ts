import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { signHeaders } from "./sign-headers";

describe("signHeaders", () => {
  it("signs id.timestamp.body as Standard Webhooks verifies it, with the id and whole-second time given", () => {
    const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const body = '{"ticker":"AAPL"}';
    const now = Math.floor(Date.now() / 1000);
    const headers = signHeaders(secret, body, { id: "msg_1", timestampSeconds: now + 0.7 });
    expect(headers).toMatchObject({ "webhook-id": "msg_1", "webhook-timestamp": String(now) });
    expect(headers["webhook-signature"]).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(new Webhook(secret).verify(body, headers)).toEqual({ ticker: "AAPL" });
    expect(() => new Webhook(secret).verify(`${body} `, headers)).toThrow();
  });
});
