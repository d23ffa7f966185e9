import type { BroadcastResult } from "@orderhook/admin";
import { broadcastWebhookChange } from "@orderhook/admin";
import { createDbClient, type DbClient } from "@orderhook/db";
import { createDeliveryReader } from "@orderhook/deliveries";
import { createRedis, type WebhookEvent } from "@orderhook/queue";
import {
  createFixture,
  createSiblingWebhook,
  type Fixture,
  type FixtureOptions,
  testDatabaseUrl,
  testRedisUrl,
  uniquePrefix,
  waitUntil,
} from "@orderhook/testing";
import type { Hono } from "hono";
import { expect } from "vitest";
import { type ConsoleAppDeps, createConsoleApp } from "../src/app";
import type { ConsoleAppEnv } from "../src/app-env";
import { type ConsoleEventSource, combineEventSources } from "../src/console-events";
import { createDeliveryEvents } from "../src/delivery-events";
import { createDeliveryLog, deliveryLogNotEnabled } from "../src/delivery-log";
import { createOrderStatusEvents } from "../src/order-status-events";
import { createTestAlertSender } from "../src/send-test-alert";
import { createSessions } from "../src/session";
import { SseReader } from "./sse-reader";

export const SESSION_SECRET = "kT3+vX9qLm2/Rw8zNc5Yb1Hd6Jf0Ps4G-test";
export const OPERATOR_PASSWORD = "q8V+1xZr0m9/PaLk7Ue2Tw3b-operator";

export interface TestConsole {
  app: Hono<ConsoleAppEnv>;
  db: DbClient;
  /** Redis prefix the console broadcasts webhook changes under. */
  prefix: string;
  events: ConsoleEventSource;
  shutdown: AbortController;
  fixture: (options?: FixtureOptions) => Promise<Fixture>;
  sibling: (owner: Fixture) => Promise<Fixture>;
  /** A browser of its own: cookies kept between its requests. */
  browser: () => TestBrowser;
  close: () => Promise<void>;
}

export type ConsoleOverrides = Partial<ConsoleAppDeps> & {
  secure?: boolean;
  pollIntervalMs?: number;
  /** Read the deliveries log in Redis under this prefix (pages and live "delivery" events), as main does. */
  deliveriesPrefix?: string;
};

/** The real console app over the run's Postgres and Redis, under a prefix of its own (test support). */
export async function createTestConsole(overrides: ConsoleOverrides = {}): Promise<TestConsole> {
  const prefix = uniquePrefix("console");
  const db = createDbClient({ url: testDatabaseUrl(), max: 3, applicationName: "orderhook-console-test" });
  const redis = overrides.deliveriesPrefix === undefined ? null : createRedis(testRedisUrl());
  const reader =
    redis === null
      ? null
      : createDeliveryReader({
          redis,
          db: db.db,
          prefix: overrides.deliveriesPrefix!,
          maxAgeMs: 86_400_000,
        });
  const events = combineEventSources([
    createOrderStatusEvents({ db: db.db, intervalMs: overrides.pollIntervalMs ?? 100 }),
    ...(redis && reader
      ? [createDeliveryEvents({ redis, reader, intervalMs: overrides.pollIntervalMs ?? 100 })]
      : []),
  ]);
  const shutdown = new AbortController();
  const { secure = false, pollIntervalMs: _, deliveriesPrefix: __, ...deps } = overrides;
  const app = createConsoleApp({
    db: db.db,
    sessions: createSessions({ secret: SESSION_SECRET, ttlSeconds: 3_600, secure }),
    operatorPassword: OPERATOR_PASSWORD,
    events,
    deliveryLog: reader ? createDeliveryLog(reader) : deliveryLogNotEnabled,
    sendTestAlert: createTestAlertSender({ receiverUrl: "http://127.0.0.1:1" }),
    broadcast: (event: WebhookEvent): Promise<BroadcastResult> =>
      broadcastWebhookChange(testRedisUrl(), prefix, event),
    receiverPublicUrl: "https://hooks.example.test",
    receiverUrl: "http://127.0.0.1:1",
    publicOrigin: null,
    trustedProxyHops: 0,
    signInLimit: { perSecond: 1_000, burst: 1_000 },
    isReady: async () => {
      await db.sql`select 1`;
      return true;
    },
    shutdown: shutdown.signal,
    ...deps,
  });
  return {
    app,
    db,
    prefix,
    events,
    shutdown,
    fixture: (options) => createFixture(db.db, options),
    sibling: (owner) => createSiblingWebhook(db.db, owner),
    browser: () => new TestBrowser(app),
    close: async () => {
      shutdown.abort();
      await events.close();
      redis?.disconnect();
      await db.close();
    },
  };
}

export interface SignedInConsole {
  t: TestConsole;
  alice: Fixture;
  bob: Fixture;
  /** Signed in as alice. */
  browser: TestBrowser;
}

/** The test console with two users, alice and bob, and a browser signed in as alice. */
export async function createSignedInConsole(overrides: ConsoleOverrides = {}): Promise<SignedInConsole> {
  const t = await createTestConsole(overrides);
  const alice = await t.fixture();
  const bob = await t.fixture();
  const browser = t.browser();
  await browser.signIn(alice.token);
  return { t, alice, bob, browser };
}

export interface Page {
  status: number;
  headers: Headers;
  text: string;
  /** The page's CSRF token (from its first form), or "". */
  csrf: string;
  location: string | null;
}

/** A cookie jar in front of `app.request()`: posts as a same-origin form, as a browser would. */
export class TestBrowser {
  readonly cookies = new Map<string, string>();
  origin = "http://localhost";

  constructor(private readonly app: Hono<ConsoleAppEnv>) {}

  async request(path: string, init: RequestInit = {}): Promise<Page> {
    const headers = new Headers(init.headers);
    if (this.cookies.size > 0 && !headers.has("cookie")) {
      headers.set("cookie", [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; "));
    }
    const res = await this.app.request(`http://localhost${path}`, { ...init, headers });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const at = pair!.indexOf("=");
      const name = pair!.slice(0, at);
      const value = pair!.slice(at + 1);
      if (/max-age=0/i.test(line) || value === "") this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const text = await res.text();
    return {
      status: res.status,
      headers: res.headers,
      text,
      csrf: /name="_csrf" value="([^"]*)"/.exec(text)?.[1] ?? "",
      location: res.headers.get("location"),
    };
  }

  get(path: string, headers: Record<string, string> = {}): Promise<Page> {
    return this.request(path, { headers });
  }

  post(path: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<Page> {
    return this.request(path, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: this.origin, ...headers },
      body: new URLSearchParams(form).toString(),
    });
  }

  /** Posts a form of the page at `pagePath`, with that page's CSRF token. */
  async submit(pagePath: string, action: string, form: Record<string, string> = {}): Promise<Page> {
    const page = await this.get(pagePath);
    return this.post(action, { _csrf: page.csrf, ...form });
  }

  /** Opens `GET /events` with this browser's cookies and waits for its `ready` message. */
  async openEvents(): Promise<SseReader> {
    const cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
    const res = await this.app.request("http://localhost/events", { headers: { cookie } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const reader = new SseReader(res.body!);
    await waitUntil(
      async () => reader.of("ready")[0],
      () => JSON.stringify(reader.messages),
      5_000,
    );
    return reader;
  }

  async signIn(token: string): Promise<Page> {
    return this.post("/sign-in", { token });
  }
}
