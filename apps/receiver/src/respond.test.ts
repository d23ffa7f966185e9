import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { acceptedResponse } from "./respond";

describe("acceptedResponse", () => {
  it("answers 202 with the body JSON.stringify would write", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uuid(), fc.date({ noInvalidDate: true }), async (orderId, date) => {
        const receivedAt = date.toISOString();
        const response = acceptedResponse(orderId, receivedAt, "req-1");
        expect(response.status).toBe(202);
        expect(response.headers.get("content-type")).toBe("application/json");
        expect(response.headers.get("x-request-id")).toBe("req-1");
        expect(await response.text()).toBe(JSON.stringify({ orderId, status: "queued", receivedAt }));
      }),
      { numRuns: 200 },
    );
  });
});
