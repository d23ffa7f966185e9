import { describe, expect, it } from "vitest";
import { parseTokenInput } from "./parse-token-input";

const TOKEN = "oh_ixAdv47ShMRydXdQgoPSSxbu3zAiXvRseIusuzHFJQU";

describe("parseTokenInput", () => {
  it("takes the token out of a webhook URL as TradingView's alert dialog shows it", () => {
    expect(parseTokenInput(`https://hooks.example.com/v1/webhooks/${TOKEN}`)).toBe(TOKEN);
    expect(parseTokenInput(`http://localhost:3000/v1/webhooks/${TOKEN}?x=1#frag`)).toBe(TOKEN);
    expect(parseTokenInput(`  https://h.example/base/v1/webhooks/${TOKEN}/  `)).toBe(TOKEN);
  });

  it("takes a bare token as it is, ignoring surrounding spaces and quotes", () => {
    expect(parseTokenInput(` ${TOKEN}\n`)).toBe(TOKEN);
    expect(parseTokenInput(`"${TOKEN}"`)).toBe(TOKEN);
  });

  it("leaves anything else for the caller to refuse", () => {
    expect(parseTokenInput("hunter2")).toBe("hunter2");
    expect(parseTokenInput("https://example.com/v1/webhooks/")).toBe("");
  });
});
