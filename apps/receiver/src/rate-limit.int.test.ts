import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buyAlert, createTestReceiver, type TestReceiver } from "../test/receiver-harness";

let r: TestReceiver;

beforeAll(async () => {
  r = await createTestReceiver({ defaultRatePerSecond: 10 });
});
afterAll(async () => {
  await r.close();
});

async function send(token: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await r.app.request(`/v1/webhooks/${token}`, {
    method: "POST",
    body: JSON.stringify(body),
    headers,
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

describe("per-user rate limit", () => {
  it("accepts about N of a burst of 2N for a user limited to N per second", async () => {
    const n = 20;
    const f = await r.fixture({ rateLimitPerSecond: n });
    const responses = await Promise.all(
      Array.from({ length: 2 * n }, (_, i) => send(f.token, { ...buyAlert, comment: `burst ${i}` })),
    );
    const accepted = responses.filter((x) => x.status === 202).length;
    const limited = responses.filter((x) => x.status === 429);
    expect(accepted + limited.length, JSON.stringify(responses)).toBe(2 * n);
    expect(accepted, JSON.stringify(responses)).toBeGreaterThanOrEqual(n);
    expect(accepted, JSON.stringify(responses)).toBeLessThanOrEqual(Math.ceil(n * 1.5));
  });

  it("answers 429 rate_limited with Retry-After and RateLimit headers, using the default rate", async () => {
    const f = await r.fixture();
    const responses = await Promise.all(
      Array.from({ length: 15 }, (_, i) => send(f.token, { ...buyAlert, comment: `default ${i}` })),
    );
    const limited = responses.find((x) => x.status === 429);
    expect(limited, JSON.stringify(responses)).toBeDefined();
    expect(JSON.parse(limited!.text).code, limited!.text).toBe("rate_limited");
    expect(Number(limited!.headers.get("retry-after")), limited!.text).toBeGreaterThanOrEqual(1);
    expect(limited!.headers.get("ratelimit-policy"), limited!.text).toBe('"user";q=10;w=1');
    expect(limited!.headers.get("ratelimit"), limited!.text).toMatch(/^"user";r=0;t=\d+$/);
  });

  it("leaves no idempotency key behind for a rate-limited request, and duplicates consume no rate", async () => {
    const f = await r.fixture({ rateLimitPerSecond: 1 });
    const first = await send(f.token, buyAlert, { "idempotency-key": "first" });
    expect(first.status, first.text).toBe(202);
    const replay = await send(f.token, buyAlert, { "idempotency-key": "first" });
    expect(replay.status, replay.text).toBe(200);
    const limited = await send(f.token, buyAlert, { "idempotency-key": "second" });
    expect(limited.status, limited.text).toBe(429);
    expect(await r.redis.exists(`${r.prefix}:idem:${f.userId}:k:second`)).toBe(0);
  });

  it("keeps separate users' limits apart", async () => {
    const a = await r.fixture({ rateLimitPerSecond: 1 });
    const b = await r.fixture({ rateLimitPerSecond: 1 });
    expect((await send(a.token, buyAlert)).status).toBe(202);
    expect((await send(a.token, { ...buyAlert, comment: "again" })).status).toBe(429);
    expect((await send(b.token, buyAlert)).status).toBe(202);
  });
});
