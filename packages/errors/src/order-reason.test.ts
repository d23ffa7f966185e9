import { describe, expect, it } from "vitest";
import { errorCodes } from "./codes";
import { orderReason, orderReasonCodeOf, orderReasonCodes } from "./order-reason";

describe("order reasons", () => {
  it("start their text with the code, so the row stays readable and its code recoverable", () => {
    const reason = orderReason("webhook_revoked", "the webhook no longer exists");
    expect(reason).toEqual({
      code: "webhook_revoked",
      text: "webhook_revoked: the webhook no longer exists",
    });
    expect(orderReasonCodeOf(reason.text)).toBe("webhook_revoked");
  });

  it("read no code from a stored reason outside the closed set", () => {
    expect(orderReasonCodeOf("account disabled")).toBeNull();
    expect(orderReasonCodeOf("rate_limited: not a worker code")).toBeNull();
    expect(orderReasonCodeOf(null)).toBeNull();
  });

  it("say a retry helps only for transient and internal failures", () => {
    const retryable = orderReasonCodes.filter((code) => errorCodes[code].retryable);
    expect(retryable).toEqual(["transient", "internal"]);
  });
});
