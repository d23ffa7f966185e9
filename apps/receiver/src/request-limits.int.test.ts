import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buyAlert, createTestReceiver, type TestReceiver } from "../test/receiver-harness";

// Work the receiver does for requests that do not become orders is bounded: invalid tokens per
// client address, refused and repeated alerts per webhook, order reads that miss per user.

let r: TestReceiver;

beforeAll(async () => {
  r = await createTestReceiver({
    trustedProxyHops: 1,
    // One event per 100 s after the burst: nothing refills while a test runs, however slow the machine.
    authFailureLimit: { perSecond: 0.01, burst: 3 },
    refusalLimit: { perSecond: 0.01, burst: 3 },
  });
});
afterAll(async () => {
  await r.close();
});

interface Answer {
  status: number;
  code: unknown;
  text: string;
  retryAfter: string | null;
}

async function answer(res: Response): Promise<Answer> {
  const text = await res.text();
  let code: unknown;
  try {
    code = (JSON.parse(text) as { code?: unknown }).code;
  } catch {}
  return { status: res.status, code, text, retryAfter: res.headers.get("retry-after") };
}

const randomToken = () => `oh_${randomBytes(32).toString("base64url")}`;

async function post(token: string, body: string, from: string, headers: Record<string, string> = {}) {
  return answer(
    await r.app.request(`/v1/webhooks/${token}`, {
      method: "POST",
      body,
      headers: { "x-forwarded-for": from, ...headers },
    }),
  );
}

describe("invalid tokens per client address", () => {
  it("answers 401 up to the burst, then 429 with Retry-After, per address as the trusted proxy saw it", async () => {
    const from = "spoofed-by-client, 203.0.113.7";
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await post(randomToken(), "{}", from)).status);
    statuses.push((await post("not-even-a-token", "{}", from)).status);
    expect(statuses).toEqual([401, 401, 401, 429]);
    const throttled = await post(randomToken(), "{}", "another-spoof, 203.0.113.7");
    expect(throttled.status, throttled.text).toBe(429);
    expect(throttled.code, throttled.text).toBe("rate_limited");
    expect(Number(throttled.retryAfter), throttled.text).toBeGreaterThanOrEqual(1);

    const elsewhere = await post(randomToken(), "{}", "203.0.113.8");
    expect(elsewhere.status, elsewhere.text).toBe(401);
  });

  it("never throttles a valid token from a throttled address (a shared sender IP, such as TradingView's)", async () => {
    const f = await r.fixture();
    const from = "203.0.113.20";
    for (let i = 0; i < 4; i++) await post(randomToken(), "{}", from);
    expect((await post(randomToken(), "{}", from)).status).toBe(429);
    const valid = await post(f.token, JSON.stringify({ ...buyAlert, comment: "shared-ip" }), from);
    expect(valid.status, valid.text).toBe(202);
  });

  it("counts bad signatures against the address too", async () => {
    const f = await r.fixture({ signingSecret: true });
    const from = "203.0.113.30";
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await post(f.token, JSON.stringify(buyAlert), from)).status);
    expect(statuses).toEqual([401, 401, 401, 429]);
  });
});

describe("refused and repeated requests per webhook", () => {
  it("refuses, past the limit, even a valid alert before reading it, and leaves other webhooks alone", async () => {
    const noisy = await r.fixture();
    const quiet = await r.fixture();
    const from = "198.51.100.1";
    const refused = [
      await post(noisy.token, "{not json", from),
      await post(noisy.token, JSON.stringify({ ticker: "AAPL", action: "hold" }), from),
      await post(noisy.token, JSON.stringify({ ...buyAlert, account: "not-mine" }), from),
    ];
    expect(
      refused.map((a) => a.status),
      refused.map((a) => a.text).join(" "),
    ).toEqual([400, 422, 403]);
    const valid = await post(noisy.token, JSON.stringify({ ...buyAlert, comment: "after" }), from);
    expect(valid.status, valid.text).toBe(429);
    expect(valid.code, valid.text).toBe("rate_limited");
    expect(valid.text, valid.text).toContain("refused or repeated");

    const other = await post(quiet.token, JSON.stringify({ ...buyAlert, comment: "quiet" }), from);
    expect(other.status, other.text).toBe(202);
  });

  it("counts replays: a sender repeating one alert is bounded like one refusing", async () => {
    const f = await r.fixture();
    const body = JSON.stringify({ ...buyAlert, comment: "repeat" });
    const headers = { "idempotency-key": `k-${Math.random()}` };
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await post(f.token, body, "198.51.100.2", headers)).status);
    expect(statuses).toEqual([202, 200, 200, 200, 429]);
  });
});

describe("order reads that miss, per user", () => {
  it("answers 404 up to the burst, then 429, for that user only", async () => {
    const f = await r.fixture();
    const other = await r.fixture();
    const read = async (token: string, id: string) =>
      answer(
        await r.app.request(`/v1/orders/${id}`, {
          headers: { authorization: `Bearer ${token}`, "x-forwarded-for": "192.0.2.1" },
        }),
      );
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await read(f.token, crypto.randomUUID())).status);
    statuses.push((await read(f.token, "not-a-uuid")).status);
    expect(statuses).toEqual([404, 404, 404, 429]);
    const otherUser = await read(other.token, crypto.randomUUID());
    expect(otherUser.status, otherUser.text).toBe(404);
  });
});
