import type { Fixture } from "@orderhook/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestConsole, OPERATOR_PASSWORD, type TestConsole } from "../test/console-harness";

let t: TestConsole;
let alice: Fixture;
let bob: Fixture;

beforeAll(async () => {
  t = await createTestConsole();
  alice = await t.fixture();
  bob = await t.fixture();
});
afterAll(async () => {
  await t.close();
});

describe("operators", () => {
  it("refuse a wrong operator password with 401 and no session", async () => {
    const browser = t.browser();
    const page = await browser.post("/sign-in/operator", { password: `${OPERATOR_PASSWORD}x` });
    expect(page.status, page.text).toBe(401);
    expect(page.text).toContain("That is not the operator password.");
    expect(browser.cookies.size).toBe(0);
  });

  it("sign in with the password, find a user, view the console as them, and switch to another", async () => {
    const browser = t.browser();
    const signed = await browser.post("/sign-in/operator", { password: OPERATOR_PASSWORD });
    expect(signed.status, signed.text).toBe(303);
    expect(signed.location).toBe("/operator/users");
    // Viewing nobody yet: user pages lead to the picker.
    expect((await browser.get("/webhooks")).location).toBe("/operator/users");

    const found = await browser.get(`/operator/users?q=${encodeURIComponent(alice.email.slice(0, 18))}`);
    expect(found.status, found.text).toBe(200);
    expect(found.text).toContain(alice.email);
    expect(found.text).not.toContain(bob.email);

    const viewAlice = await browser.post("/operator/view-as", { _csrf: found.csrf, userId: alice.userId });
    expect(viewAlice.status, viewAlice.text).toBe(303);
    const aliceHooks = await browser.get("/webhooks");
    expect(aliceHooks.status, aliceHooks.text).toBe(200);
    expect(aliceHooks.text).toContain(`viewing <strong>${alice.email}</strong>`);
    expect(aliceHooks.text).toContain(alice.webhookId);
    expect(aliceHooks.text).not.toContain(bob.webhookId);

    const picker = await browser.get("/operator/users");
    const viewBob = await browser.post("/operator/view-as", { _csrf: picker.csrf, userId: bob.userId });
    expect(viewBob.status, viewBob.text).toBe(303);
    const bobHooks = await browser.get("/webhooks");
    expect(bobHooks.text).toContain(bob.webhookId);
    expect(bobHooks.text).not.toContain(alice.webhookId);
  });

  it("get 404 for a user id that does not exist", async () => {
    const browser = t.browser();
    await browser.post("/sign-in/operator", { password: OPERATOR_PASSWORD });
    const picker = await browser.get("/operator/users");
    for (const userId of ["00000000-0000-4000-8000-000000000000", "not-a-uuid"]) {
      const page = await browser.post("/operator/view-as", { _csrf: picker.csrf, userId });
      expect(page.status, page.text).toBe(404);
    }
  });

  it("are signed out when the operator password changes", async () => {
    const browser = t.browser();
    await browser.post("/sign-in/operator", { password: OPERATOR_PASSWORD });
    const cookie = [...browser.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
    const changed = await createTestConsole({ operatorPassword: "another-0perator-passw0rd!" });
    const off = await createTestConsole({ operatorPassword: null });
    try {
      for (const other of [changed, off]) {
        const page = await other.browser().get("/operator/users", { cookie });
        expect(page.status, page.text).toBe(404);
      }
    } finally {
      await changed.close();
      await off.close();
    }
  });

  it("cannot sign in at all while CONSOLE_ADMIN_PASSWORD is unset: no form, and the endpoint is 404", async () => {
    const off = await createTestConsole({ operatorPassword: null });
    try {
      const browser = off.browser();
      expect((await browser.get("/sign-in")).text).not.toContain("Operator password");
      const page = await browser.post("/sign-in/operator", { password: OPERATOR_PASSWORD });
      expect(page.status, page.text).toBe(404);
      expect(browser.cookies.size).toBe(0);
    } finally {
      await off.close();
    }
  });
});
