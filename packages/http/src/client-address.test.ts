import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { createClientAddress, forwardedClient, NO_SOCKET } from "./client-address";
import type { NodeEnv } from "./node-env";

describe("forwardedClient", () => {
  it("takes the entry the outermost trusted proxy appended, never one the client wrote", () => {
    expect(forwardedClient("203.0.113.9", 1)).toBe("203.0.113.9");
    // The client sent "6.6.6.6" itself; Railway's edge appended the address it saw.
    expect(forwardedClient("6.6.6.6, 203.0.113.9", 1)).toBe("203.0.113.9");
    expect(forwardedClient("6.6.6.6,203.0.113.9, 10.0.0.2", 2)).toBe("203.0.113.9");
    expect(forwardedClient("2001:db8::1, 10.0.0.2", 2)).toBe("2001:db8::1");
  });

  it("takes the left-most entry when there are fewer entries than hops, and null for an empty one", () => {
    expect(forwardedClient("203.0.113.9", 3)).toBe("203.0.113.9");
    expect(forwardedClient("", 1)).toBeNull();
    expect(forwardedClient("203.0.113.9, ", 1)).toBeNull();
  });
});

describe("createClientAddress", () => {
  async function addressOf(trustedHops: number, headers: Record<string, string>): Promise<string> {
    const app = new Hono<NodeEnv>();
    const address = createClientAddress(trustedHops);
    app.get("/", (c) => c.text(address(c)));
    return (await app.request("/", { headers })).text();
  }

  it("ignores X-Forwarded-For unless proxies are trusted", async () => {
    expect(await addressOf(0, { "x-forwarded-for": "203.0.113.9" })).toBe(NO_SOCKET);
    expect(await addressOf(1, { "x-forwarded-for": "6.6.6.6, 203.0.113.9" })).toBe("203.0.113.9");
    expect(await addressOf(1, {})).toBe(NO_SOCKET);
  });
});
