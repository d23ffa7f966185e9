import { describe, expect, it } from "vitest";
import { webhookUrl } from "./webhook-url";

describe("webhookUrl", () => {
  it("uses localhost and PORT when PUBLIC_URL is unset", () => {
    expect(webhookUrl("oh_abc", { port: 8080 })).toBe("http://localhost:8080/v1/webhooks/oh_abc");
  });

  it("keeps a path in PUBLIC_URL, with or without a trailing slash", () => {
    expect(webhookUrl("oh_abc", { publicUrl: "https://x.example/hooks", port: 3000 })).toBe(
      "https://x.example/hooks/v1/webhooks/oh_abc",
    );
    expect(webhookUrl("oh_abc", { publicUrl: "https://x.example/", port: 3000 })).toBe(
      "https://x.example/v1/webhooks/oh_abc",
    );
  });
});
