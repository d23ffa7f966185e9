import { describe, expect, it } from "vitest";
import { createActiveTokens } from "./active-tokens";
import { CredentialLoadRefusedError, createCredentialCache } from "./credential-cache";
import type { WebhookCredentials } from "./credentials";

const creds = (webhookId: string, userId = "u1"): WebhookCredentials => ({
  webhookId,
  userId,
  accountId: "a1",
  accounts: [{ id: "a1", name: "paper", active: true }],
  rateLimitPerSecond: null,
  rateLimitBurst: null,
  defaultQuantity: null,
  dedupWindowMs: null,
  maxLagSeconds: null,
  signingKey: null,
});

function setup(
  table: Map<string, WebhookCredentials | null>,
  options: { maxConcurrentLoads?: number; loadTimeoutMs?: number; active?: string[] } = {},
) {
  let clock = 0;
  const calls: string[] = [];
  let release: (() => void) | null = null;
  let gate: Promise<void> | null = null;
  const activeTokens = createActiveTokens(options.active ?? [...table.keys(), "nope"]);
  const cache = createCredentialCache({
    activeTokens,
    ttlMs: 1_000,
    negativeTtlMs: 100,
    maxConcurrentLoads: options.maxConcurrentLoads,
    loadTimeoutMs: options.loadTimeoutMs,
    now: () => clock,
    load: async (hash) => {
      calls.push(hash);
      if (gate !== null) await gate;
      return table.get(hash) ?? null;
    },
  });
  return {
    cache,
    calls,
    activeTokens,
    advance: (ms: number) => {
      clock += ms;
    },
    hold: () => {
      gate = new Promise((resolve) => {
        release = () => {
          gate = null;
          resolve();
        };
      });
    },
    release: () => release?.(),
  };
}

describe("createCredentialCache", () => {
  it("loads a hash once and answers from memory while fresh", async () => {
    const t = setup(new Map([["h1", creds("w1")]]));
    expect((await t.cache.get("h1"))?.webhookId).toBe("w1");
    expect((await t.cache.get("h1"))?.webhookId).toBe("w1");
    expect(t.calls).toEqual(["h1"]);
  });

  it("shares one load between concurrent requests for the same hash", async () => {
    const t = setup(new Map([["h1", creds("w1")]]));
    t.hold();
    const all = Promise.all([t.cache.get("h1"), t.cache.get("h1"), t.cache.get("h1")]);
    t.release();
    expect((await all).map((c) => c?.webhookId)).toEqual(["w1", "w1", "w1"]);
    expect(t.calls).toEqual(["h1"]);
  });

  it("serves a stale entry at once and refreshes it in the background", async () => {
    const table = new Map([["h1", creds("w1")]]);
    const t = setup(table);
    await t.cache.get("h1");
    table.set("h1", creds("w1-new"));
    t.advance(1_001);
    expect((await t.cache.get("h1"))?.webhookId).toBe("w1");
    await new Promise((resolve) => setImmediate(resolve));
    expect((await t.cache.get("h1"))?.webhookId).toBe("w1-new");
    expect(t.calls).toEqual(["h1", "h1"]);
  });

  it("remembers an unknown hash briefly, then asks again", async () => {
    const t = setup(new Map());
    expect(await t.cache.get("nope")).toBeNull();
    expect(await t.cache.get("nope")).toBeNull();
    expect(t.calls).toEqual(["nope"]);
    t.advance(101);
    expect(await t.cache.get("nope")).toBeNull();
    expect(t.calls).toEqual(["nope", "nope"]);
  });

  it("drops entries by webhook, user or token hash and does not store a load that raced an invalidation", async () => {
    const table = new Map([
      ["h1", creds("w1", "u1")],
      ["h2", creds("w2", "u2")],
    ]);
    const t = setup(table);
    await t.cache.get("h1");
    await t.cache.get("h2");
    t.cache.invalidate({ userId: "u2" });
    expect(t.cache.size).toBe(1);
    t.cache.invalidate({ webhookId: "w1" });
    expect(t.cache.size).toBe(0);

    t.hold();
    const racing = t.cache.get("h1");
    t.cache.invalidate({ tokenHash: "h1" });
    t.release();
    await racing;
    expect(t.cache.size).toBe(0);
  });

  it("answers a hash outside the active set as unknown without loading anything", async () => {
    const t = setup(new Map([["h1", creds("w1")]]), { active: ["h1"] });
    expect(await t.cache.get("random")).toBeNull();
    expect(await t.cache.get("random")).toBeNull();
    expect(t.calls).toEqual([]);
    expect(t.cache.size).toBe(0);
  });

  it("refuses a load beyond the cap at once instead of queueing it, and takes loads again once one ends", async () => {
    const t = setup(
      new Map([
        ["h1", creds("w1")],
        ["h2", creds("w2")],
      ]),
      { maxConcurrentLoads: 1 },
    );
    t.hold();
    const first = t.cache.get("h1");
    const shared = t.cache.get("h1");
    await expect(t.cache.get("h2")).rejects.toBeInstanceOf(CredentialLoadRefusedError);
    expect(t.cache.loadsInFlight).toBe(1);
    t.release();
    expect((await first)?.webhookId).toBe("w1");
    expect((await shared)?.webhookId).toBe("w1");
    await new Promise((resolve) => setImmediate(resolve));
    expect((await t.cache.get("h2"))?.webhookId).toBe("w2");
    expect(t.calls).toEqual(["h1", "h2"]);
  });

  it("releases waiting callers at the deadline, keeping the slow query counted until it ends", async () => {
    const t = setup(new Map([["h1", creds("w1")]]), { maxConcurrentLoads: 1, loadTimeoutMs: 10 });
    t.hold();
    await expect(t.cache.get("h1")).rejects.toThrow(/timed out/);
    expect(t.cache.loadsInFlight).toBe(1);
    await expect(t.cache.get("h1")).rejects.toThrow(/too many credential loads/);
    t.release();
    await new Promise((resolve) => setImmediate(resolve));
    expect(t.cache.loadsInFlight).toBe(0);
    expect((await t.cache.get("h1"))?.webhookId).toBe("w1");
  });

  it("while suspended reloads an entry from before the suspension before using it, and never serves one stale", async () => {
    const table = new Map<string, WebhookCredentials | null>([["h1", creds("w1")]]);
    const t = setup(table);
    await t.cache.get("h1");
    t.cache.suspend();
    table.set("h1", null);
    expect(await t.cache.get("h1"), "an entry from before the suspension was used").toBeNull();
    expect(t.calls).toEqual(["h1", "h1"]);

    table.set("h1", creds("w1-again"));
    t.advance(101);
    expect((await t.cache.get("h1"))?.webhookId).toBe("w1-again");
    t.advance(1_001);
    table.set("h1", null);
    expect(await t.cache.get("h1"), "a stale entry was served while suspended").toBeNull();
  });

  it("keeps its entries on resume when no event was missed, and drops them all when one was", async () => {
    const t = setup(new Map([["h1", creds("w1")]]));
    await t.cache.get("h1");
    t.cache.suspend();
    t.cache.resume(false);
    await t.cache.get("h1");
    expect(t.calls).toEqual(["h1"]);
    t.cache.suspend();
    t.cache.resume(true);
    expect(t.cache.size).toBe(0);
    await t.cache.get("h1");
    expect(t.calls).toEqual(["h1", "h1"]);
  });
});
