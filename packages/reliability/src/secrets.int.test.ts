import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { broadcastWebhookChange, rotateWebhook } from "@orderhook/admin";
import { hashToken } from "@orderhook/db";
import { createFixture, sendHttp, signHeaders } from "@orderhook/testing";
import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { recordMeasurement } from "./harness/measurements";
import { closeScenariosAfterEach, Scenario } from "./harness/scenario";

closeScenariosAfterEach();

/** Every key and value in the scenario's own Redis, as text. */
async function dumpRedis(url: string): Promise<string> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  const parts: string[] = [];
  try {
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "COUNT", 1000);
      cursor = next;
      for (const key of keys) {
        parts.push(key);
        const type = await redis.type(key);
        if (type === "string") parts.push((await redis.get(key)) ?? "");
        else if (type === "hash") parts.push(JSON.stringify(await redis.hgetall(key)));
        else if (type === "list") parts.push(JSON.stringify(await redis.lrange(key, 0, -1)));
        else if (type === "set") parts.push(JSON.stringify(await redis.smembers(key)));
        else if (type === "zset") parts.push(JSON.stringify(await redis.zrange(key, 0, -1)));
        else if (type === "stream") parts.push(JSON.stringify(await redis.xrange(key, "-", "+")));
      }
    } while (cursor !== "0");
  } finally {
    redis.disconnect();
  }
  return parts.join("\n");
}

describe("secrets", () => {
  it("never shows a token, signing secret, signature or dashboard password in logs, metrics or Redis, and stores tokens only as hashes", async () => {
    const scenario = await Scenario.create("secrets", { ownDatabase: true });
    const signed = await createFixture(scenario.db.db, { signingSecret: true });
    const dashboardPassword = `pw-${randomBytes(12).toString("hex")}`;
    const env = { LOG_LEVEL: "debug", BULL_BOARD_USER: "operator", BULL_BOARD_PASSWORD: dashboardPassword };
    const receiver = await scenario.startReceiver({ env });
    const worker = await scenario.startWorker({ env: { LOG_LEVEL: "debug" } });
    const plain = scenario.fixtures[0]!;
    const secrets: Record<string, string> = {
      "plain token": plain.token,
      "signed webhook token": signed.token,
      "signing secret": signed.signingSecret!,
      "signing secret key": signed.signingSecret!.replace(/^whsec_/, ""),
      "dashboard password": dashboardPassword,
      "dashboard basic auth": Buffer.from(`operator:${dashboardPassword}`).toString("base64"),
    };

    // Accepted traffic, then every path that handles a credential: signatures good and bad,
    // order reads with bearer tokens, wrong and rotated tokens, 404s under the token path,
    // the dashboard with right and wrong passwords, and a Redis outage for the error logs.
    const traffic = scenario.traffic({ origin: receiver.origin, ratePerSecond: 30, maxAttempts: 3 });
    await sleep(2_000);
    await traffic.stop();
    const now = Math.floor(Date.now() / 1000);
    for (let i = 0; i < 5; i++) {
      const body = JSON.stringify({
        ticker: "AAPL",
        action: "buy",
        quantity: 1,
        comment: `${scenario.tag}-s${i}`,
      });
      const id = `msg_${randomBytes(6).toString("hex")}`;
      // The last one is signed for ten minutes ago but sent as now: a bad signature.
      const signedHeaders = signHeaders(signed.signingSecret!, body, {
        id,
        timestampSeconds: now - (i === 4 ? 600 : 0),
      });
      secrets[`signature ${i}`] = signedHeaders["webhook-signature"]!.slice("v1,".length);
      const headers = { ...signedHeaders, "webhook-timestamp": String(now) };
      await sendHttp(receiver.origin, { path: `/v1/webhooks/${signed.token}`, body, headers });
      if (i === 0) await sendHttp(receiver.origin, { path: `/v1/webhooks/${signed.token}`, body, headers });
    }
    const acked = traffic.ackedOrderIds();
    for (const orderId of acked.slice(0, 5)) {
      await sendHttp(receiver.origin, {
        method: "GET",
        path: `/v1/orders/${orderId}`,
        headers: { authorization: `Bearer ${plain.token}` },
      });
      await sendHttp(receiver.origin, {
        method: "GET",
        path: `/v1/orders/${orderId}`,
        headers: { authorization: `Bearer ${signed.token}` },
      });
    }
    await sendHttp(receiver.origin, { path: `/v1/webhooks/${plain.token}x`, body: "{}" });
    await sendHttp(receiver.origin, { method: "GET", path: `/v1/webhooks/${plain.token}` });
    await sendHttp(receiver.origin, { path: `/v1/webhooks/${plain.token}/extra`, body: "{}" });
    await sendHttp(receiver.origin, { path: `/v1/webhooks/${plain.token}`, body: "{not json" });
    for (const password of [dashboardPassword, "wrong"]) {
      await sendHttp(receiver.adminOrigin, {
        method: "GET",
        path: "/admin/queues",
        headers: { authorization: `Basic ${Buffer.from(`operator:${password}`).toString("base64")}` },
      });
    }
    const rotated = await rotateWebhook(scenario.db.db, plain.webhookId);
    secrets["rotated token"] = rotated.token;
    await broadcastWebhookChange(scenario.redis.url, scenario.prefix, {
      type: "rotated",
      webhookId: plain.webhookId,
      tokenHash: rotated.previousTokenHash,
      userId: plain.userId,
    });
    await sendHttp(receiver.origin, { path: `/v1/webhooks/${plain.token}`, body: "{}" });
    await sendHttp(receiver.origin, {
      path: `/v1/webhooks/${rotated.token}`,
      body: JSON.stringify({
        ticker: "AAPL",
        action: "buy",
        quantity: 1,
        comment: `${scenario.tag}-rotated`,
      }),
    });
    await scenario.redis.kill();
    await sendHttp(receiver.origin, { path: `/v1/webhooks/${rotated.token}`, body: '{"ticker":"A"}' });
    await sendHttp(receiver.origin, { path: `/v1/webhooks/${signed.token}`, body: "{}" });
    await sleep(1_000);
    await scenario.redis.restart();
    await receiver.waitUntilReady(30_000);
    await scenario.account(traffic, 30_000);

    const places: Record<string, string> = {
      "receiver /metrics": await (await fetch(`${receiver.adminOrigin}/metrics`)).text(),
      "worker /metrics": await (await fetch(`${worker.origin}/metrics`)).text(),
      "Redis keys and values": await dumpRedis(scenario.redis.url),
    };
    const receiverExit = await receiver.stop();
    const workerExit = await worker.stop();
    places["receiver output"] = receiver.lines.join("\n");
    places["worker output"] = worker.lines.join("\n");

    // The check is only worth something if the apps did log, at debug, per request and per job.
    const requestLines = receiver.lines.filter((line) => line.includes('"request"')).length;
    const jobLines = worker.lines.filter((line) => line.includes('"order accepted"')).length;
    expect(requestLines, receiver.tail()).toBeGreaterThan(50);
    expect(jobLines, worker.tail()).toBeGreaterThan(50);
    expect(receiverExit.code).toBe(0);
    expect(workerExit.code).toBe(0);

    const leaks: string[] = [];
    for (const [place, text] of Object.entries(places)) {
      for (const [name, secret] of Object.entries(secrets)) {
        if (text.includes(secret)) {
          const at = text.indexOf(secret);
          leaks.push(`${name} in ${place}: …${text.slice(Math.max(0, at - 120), at + 40)}…`);
        }
      }
    }
    expect(leaks, leaks.join("\n\n")).toEqual([]);

    // Postgres: tokens only as hashes; the signing secret only in its own column (HMAC needs it).
    const tables = await scenario.db.sql<{ table_name: string }[]>`
      select table_name from information_schema.tables where table_schema = 'public'`;
    const dbLeaks: string[] = [];
    for (const { table_name } of tables) {
      const rows = await scenario.db.sql.unsafe<{ row: string }[]>(
        `select row_to_json(t)::text as row from "${table_name}" t`,
      );
      for (const { row } of rows) {
        for (const name of ["plain token", "signed webhook token", "rotated token"]) {
          if (row.includes(secrets[name]!)) dbLeaks.push(`${name} in ${table_name}`);
        }
        const withoutSecretColumn = row.replace(`"signing_secret":"${signed.signingSecret}"`, "");
        if (withoutSecretColumn.includes(secrets["signing secret key"]!)) {
          dbLeaks.push(`signing secret outside webhooks.signing_secret in ${table_name}`);
        }
      }
    }
    expect(dbLeaks).toEqual([]);
    const [stored] = await scenario.db.sql<{ token_hash: string }[]>`
      select token_hash from webhooks where id = ${signed.webhookId}`;
    expect(stored?.token_hash).toBe(hashToken(signed.token));

    recordMeasurement("secrets scan (LOG_LEVEL=debug, both apps)", {
      receiverLines: receiver.lines.length,
      workerLines: worker.lines.length,
      secretsChecked: Object.keys(secrets).length,
      placesChecked: Object.keys(places).length + tables.length,
      leaks: leaks.length + dbLeaks.length,
    });
  }, 120_000);
});
