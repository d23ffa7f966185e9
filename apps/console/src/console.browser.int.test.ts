import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createDbClient, type DbClient, orders, webhooks } from "@orderhook/db";
import {
  AppProcess,
  createFixture,
  type Fixture,
  freePort,
  orderRow,
  testDatabaseUrl,
  testRedisUrl,
  uniquePrefix,
} from "@orderhook/testing";
import { eq } from "drizzle-orm";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { v7 as uuidv7 } from "uuid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// Debian's chromium, driven by playwright-core: no browser download (.ci/run installs it).
const CHROMIUM = "/usr/bin/chromium";
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const OUTPUT = fileURLToPath(new URL("../test-output/", import.meta.url));
const SECRET = "kT3+vX9qLm2/Rw8zNc5Yb1Hd6Jf0Ps4G-browser";

let db: DbClient;
let alice: Fixture;
let bob: Fixture;
let bobsOrderId: string;
let receiver: AppProcess;
let worker: AppProcess;
let console_: AppProcess;
let context: BrowserContext;
let page: Page;
let profile: string;
let evil: Server;
let evilOrigin: string;

type ComputedStyle = (element: unknown, pseudo?: string) => { display: string; content: string };

async function shot(name: string, target: Page = page): Promise<void> {
  await target.screenshot({ path: join(OUTPUT, `${name}.png`), fullPage: true });
}

async function sendAlert(token: string, body: object): Promise<{ status: number; orderId: string }> {
  const res = await fetch(`${receiver.origin}/v1/webhooks/${token}`, {
    method: "POST",
    headers: { "content-type": "text/plain" },
    body: JSON.stringify(body),
  });
  const answer = (await res.json()) as { orderId: string };
  return { status: res.status, orderId: answer.orderId };
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `no browser at ${CHROMIUM}: install Debian's chromium (apt-get install -y chromium), as .ci/run does`,
    );
  }
  mkdirSync(OUTPUT, { recursive: true });
  db = createDbClient({ url: testDatabaseUrl(), max: 2, applicationName: "orderhook-console-browser-test" });
  alice = await createFixture(db.db);
  bob = await createFixture(db.db);
  bobsOrderId = uuidv7();
  await db.db.insert(orders).values(orderRow(bob, bobsOrderId, { ticker: "BOBSECRET", quantity: "7" }));

  const base = {
    DATABASE_URL: testDatabaseUrl(),
    REDIS_URL: testRedisUrl(),
    QUEUE_PREFIX: uniquePrefix("browser"),
  };
  receiver = await AppProcess.start({ app: "receiver", env: base });
  worker = await AppProcess.start({ app: "worker", env: base });
  console_ = await AppProcess.start({
    app: "console",
    env: {
      ...base,
      CONSOLE_SESSION_SECRET: SECRET,
      CONSOLE_RECEIVER_URL: receiver.origin,
      PUBLIC_URL: "https://hooks.example.test",
      CONSOLE_POLL_INTERVAL_MS: "200",
      CONSOLE_SIGN_IN_LIMIT_PER_MINUTE: "1",
      CONSOLE_SIGN_IN_BURST: "6",
    },
  });

  // Another site's page that posts a form to the console: same host, another port, so another
  // origin — the session cookie (SameSite=Strict, same site) would even be sent with it.
  const evilPort = await freePort();
  evilOrigin = `http://127.0.0.1:${evilPort}`;
  evil = createServer((_req, res) => {
    res.setHeader("content-type", "text/html");
    res.end(`<!doctype html><form id="f" method="post" action="${console_.origin}/webhooks/${alice.webhookId}/revoke">
      <input name="_csrf" value="guess"></form><script>document.getElementById("f").submit()</script>`);
  });
  await new Promise<void>((resolve) => evil.listen(evilPort, "127.0.0.1", resolve));

  profile = mkdtempSync(join(tmpdir(), "orderhook-chromium-"));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    args: ARGS,
    headless: true,
    viewport: { width: 1200, height: 800 },
  });
  page = context.pages()[0] ?? (await context.newPage());
}, 120_000);

afterAll(async () => {
  await context?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
  evil?.close();
  await Promise.all([console_?.stop(), worker?.stop(), receiver?.stop()]);
  await db?.close();
}, 60_000);

describe("the console in Chromium", () => {
  it("signs in with a pasted webhook URL and shows the user's webhooks with masked URLs", async () => {
    await page.goto(`${console_.origin}/sign-in`);
    await page
      .getByLabel("Webhook URL or token")
      .fill(`https://hooks.example.test/v1/webhooks/${alice.token}`);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.waitForURL(`${console_.origin}/webhooks`);
    const text = await page.locator("main").textContent();
    expect(text).toContain(`https://hooks.example.test/v1/webhooks/${alice.token.slice(0, 9)}…`);
    expect(text).not.toContain(alice.token);
    const cookies = await context.cookies(console_.origin);
    expect(cookies.map((c) => [c.name, c.httpOnly, c.sameSite])).toEqual([
      ["orderhook_session", true, "Strict"],
    ]);
    expect(cookies[0]!.value).not.toContain(alice.token.slice(3, 20));
    await shot("01-webhooks");
  });

  it("shows an order arriving and accepted live on the orders page, without reloading", async () => {
    const earlier = await sendAlert(alice.token, { ticker: "MSFT", action: "sell", quantity: "2.5" });
    expect(earlier.status).toBe(202);
    await page.goto(`${console_.origin}/orders`);
    await page
      .locator(`tr[data-order-id="${earlier.orderId}"]`)
      .or(page.locator("#live-status:not([hidden])"))
      .first()
      .waitFor();
    await page.locator("#live-status:not([hidden])").waitFor();
    // A mark that a reload would wipe.
    await page.evaluate("window.notReloaded = true");

    const sent = await sendAlert(alice.token, {
      ticker: "NVDA",
      action: "buy",
      quantity: "0.00000001",
      comment: "live",
    });
    expect(sent.status).toBe(202);
    const row = page.locator(`tr[data-order-id="${sent.orderId}"]`);
    await row.locator(".status-accepted").waitFor({ timeout: 20_000 });
    expect(await row.textContent()).toMatch(/NVDA[\s\S]*buy[\s\S]*0\.00000001[\s\S]*accepted/);
    expect(await page.evaluate("window.notReloaded")).toBe(true);
    expect(await page.locator("tbody tr").first().getAttribute("data-order-id")).toBe(sent.orderId);
    await shot("02-orders-live");
  });

  it("shows a refused and an accepted alert live in the deliveries feed, without reloading", async () => {
    await page.goto(`${console_.origin}/deliveries`);
    await page.locator("#live-status:not([hidden])").waitFor();
    await page.evaluate("window.notReloaded = true");

    // TradingView sends a placeholder it could not fill as it is: the receiver refuses it with 422.
    const refused = await sendAlert(alice.token, {
      ticker: "NQ1!",
      action: "{{strategy.order.action}}",
      quantity: 1,
    });
    expect(refused.status).toBe(422);
    const refusedRow = page.locator("tbody[data-live-deliveries] tr.refused", {
      hasText: "422 invalid_order",
    });
    await refusedRow.first().waitFor({ timeout: 5_000 });
    expect(await refusedRow.first().textContent()).toContain("action:");

    const sent = await sendAlert(alice.token, {
      ticker: "TSLA",
      action: "buy",
      quantity: 3,
      comment: "live",
    });
    expect(sent.status).toBe(202);
    const order = page.locator(`tbody[data-live-deliveries] td[data-order-id="${sent.orderId}"]`);
    await order.waitFor({ timeout: 5_000 });
    // The order's status turns accepted in place once the worker writes it.
    await order.locator(".status-accepted").waitFor({ timeout: 20_000 });
    expect(await page.evaluate("window.notReloaded")).toBe(true);
    expect(await page.locator("body").textContent()).not.toContain(alice.token);
    await shot("02b-deliveries-live");
  });

  it("fills the test alert form from this tab's sign-in, sends it through the receiver and shows the 202", async () => {
    await page.goto(`${console_.origin}/webhooks/${alice.webhookId}/test`);
    await page.locator("#token-filled:not([hidden])").waitFor();
    expect(await page.getByLabel("Webhook URL or token").inputValue()).toBe(alice.token);
    await page.getByRole("button", { name: "Send test alert" }).click();
    await page.locator('[data-field="http-status"]').waitFor();
    expect(await page.locator('[data-field="http-status"]').textContent()).toBe("202");
    const orderLink = page.locator("section.result a[href^='/orders/']").first();
    const orderId = (await orderLink.textContent())?.trim() ?? "";
    await shot("03-test-alert");
    await orderLink.click();
    // The worker writes it within moments; the order page then shows it (reload until then).
    await expect.poll(async () => (await page.reload())?.status(), { timeout: 20_000 }).toBe(200);
    expect(await page.locator("h1").textContent()).toContain("AAPL");
    expect(page.url()).toContain(orderId);
  });

  it("shows nothing of another user's order reached by its id", async () => {
    const response = await page.goto(`${console_.origin}/orders/${bobsOrderId}`);
    expect(response?.status()).toBe(404);
    const text = await page.locator("body").textContent();
    expect(text).toContain("You have no order with this id.");
    expect(text).not.toContain("BOBSECRET");
    await shot("04-other-users-order");
  });

  it("refuses a form another site posts to the console (CSRF), and the webhook stays active", async () => {
    const attacker = await context.newPage();
    await attacker.goto(evilOrigin);
    await attacker.waitForURL(`${console_.origin}/**`);
    await attacker.locator("h1").waitFor();
    expect(await attacker.locator("h1").textContent()).toBe("Form refused");
    expect(await attacker.locator("#error-detail").textContent()).toContain("cross-site request refused");
    await shot("05-csrf-refused", attacker);
    await attacker.close();
    const [row] = await db.db.select().from(webhooks).where(eq(webhooks.id, alice.webhookId));
    expect(row?.active).toBe(true);
  });

  it("rotates a webhook after a confirmation, shows the new URL once, and the test form then knows the new token", async () => {
    await page.goto(`${console_.origin}/webhooks`);
    await page.getByRole("link", { name: "Rotate token…" }).click();
    await page.getByRole("button", { name: "Rotate token" }).click();
    const url = await page.getByLabel("New webhook URL").inputValue();
    const token = url.slice(url.lastIndexOf("/") + 1);
    expect(token).not.toBe(alice.token);
    await shot("06-rotated");
    await page.goto(`${console_.origin}/webhooks/${alice.webhookId}/test`);
    expect(await page.getByLabel("Webhook URL or token").inputValue()).toBe(token);
    expect((await sendAlert(alice.token, { ticker: "AAPL", action: "buy", quantity: 1 })).status).toBe(401);
  });

  it("reads well on a phone: the orders table becomes one labelled card per order", async () => {
    const phone = await context.newPage();
    await phone.setViewportSize({ width: 390, height: 844 });
    await phone.goto(`${console_.origin}/orders`);
    await phone.locator("tbody tr").first().waitFor();
    await shot("07-phone-orders", phone);
    const overflow = await phone.evaluate("document.documentElement.scrollWidth - window.innerWidth");
    expect(overflow, "no sideways scrolling").toBeLessThanOrEqual(0);
    const cell = phone.locator("tbody tr").first().locator("td").nth(1);
    const layout = await cell.evaluate((td) => {
      // The browser's own function; this file is type-checked without the DOM library.
      const style = (globalThis as unknown as { getComputedStyle: ComputedStyle }).getComputedStyle;
      return [style(td).display, style(td, "::before").content];
    });
    expect(layout).toEqual(["grid", '"Ticker"']);
    await phone.close();
  });

  it("signs out, forgets the tokens kept in the tab, and throttles repeated sign-in attempts", async () => {
    await page.goto(`${console_.origin}/webhooks`);
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL(`${console_.origin}/sign-in?notice=signed-out`);
    expect(await page.evaluate('sessionStorage.getItem("orderhook.tokens")')).toBeNull();
    let status = 0;
    for (let attempt = 0; attempt < 12 && status !== 429; attempt++) {
      await page.getByLabel("Webhook URL or token").fill(`oh_${String(attempt % 10).repeat(43)}`);
      const [response] = await Promise.all([
        page.waitForResponse((r) => r.url().endsWith("/sign-in") && r.request().method() === "POST"),
        page.getByRole("button", { name: "Sign in", exact: true }).click(),
      ]);
      status = response.status();
      await page.waitForLoadState();
    }
    expect(status).toBe(429);
    expect(await page.locator("#token-error").textContent()).toContain("Too many sign-in attempts");
    await shot("08-throttled");
  });

  it("left no token in any app's log", () => {
    for (const app of [console_, receiver, worker]) {
      expect(app.output, app.name).not.toContain(alice.token);
    }
  });
});
