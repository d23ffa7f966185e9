import { type Accounting, accountFor } from "../measure/accounting";
import { loadOrderRows, waitForOrders } from "../measure/order-rows";
import { openIsolatedEnvironment } from "../setup/isolated-environment";
import { seedWebhooks } from "../setup/seed-webhooks";
import type { StressOptions } from "../stress-options";
import { type OrderhookEnv, startReceiver, startWorker } from "../targets/orderhook-apps";
import type { ScenarioResult } from "./scenario-result";
import {
  duplicateDeliveries,
  invalidRequests,
  rateLimitBursts,
  steadyTraffic,
  unauthorizedRequests,
} from "./scenarios";
import { StressClient } from "./send-request";

export interface StressResults {
  startedAt: string;
  command: string;
  settings: Omit<StressOptions, "databaseUrl" | "redisUrl">;
  scenarios: ReturnType<ScenarioResult["toJSON"]>[];
  requests: number;
  serverErrors: number;
  unexpected: number;
  /** Share of burst requests refused with 429 (SPEC: about half at 2× the limit). */
  burstRefused: number;
  accounting: Accounting;
  /** Alerts answered with two different orderIds. */
  splitKeys: number;
  ok: boolean;
}

/** All kinds of traffic at once against a receiver and a worker, then the books against Postgres. */
export async function runStress(options: StressOptions, command: string): Promise<StressResults> {
  const log = (message: string) =>
    console.error(`[stress ${new Date().toISOString().slice(11, 19)}] ${message}`);
  const startedAt = new Date().toISOString();
  const env = await openIsolatedEnvironment({
    serverUrl: options.databaseUrl,
    redisUrl: options.redisUrl,
    databaseName: `orderhook_stress_${options.runId}`,
    queuePrefix: options.queuePrefix,
    keepDatabase: options.keepDatabase,
  });
  try {
    const seed = (users: number) =>
      seedWebhooks(env.db, {
        users,
        rateLimitPerSecond: options.rateLimit,
      });
    const groups = {
      steady: await seed(options.users),
      bursts: await seed(options.users),
      duplicates: await seed(options.users),
      invalid: await seed(options.users),
      revoked: await seed(1),
    };
    const revoked = groups.revoked[0]!;
    await env.sql`update webhooks set active = false, revoked_at = now() where id = ${revoked.webhookId}`;

    const appEnv: OrderhookEnv = {
      databaseUrl: env.databaseUrl,
      redisUrl: options.redisUrl,
      queuePrefix: options.queuePrefix,
    };
    const receiver = await startReceiver(appEnv);
    const worker = await startWorker(appEnv).catch(async (error: unknown) => {
      await receiver.stop();
      throw error;
    });
    const client = new StressClient(receiver.origin, 64, 10_000);
    try {
      log(`mixed traffic for ${options.durationMs / 1000} s across ${options.users * 4 + 1} users`);
      const ctx = {
        client,
        tag: options.runId,
        durationMs: options.durationMs,
        rateLimit: options.rateLimit,
      };
      const scenarios = await Promise.all([
        steadyTraffic(ctx, groups.steady),
        rateLimitBursts(ctx, groups.bursts),
        duplicateDeliveries(ctx, groups.duplicates),
        invalidRequests(ctx, groups.invalid),
        unauthorizedRequests(ctx, revoked),
      ]);
      const acks = scenarios.flatMap((s) => s.acks);
      const userIds = Object.values(groups).flatMap((g) => g.map((w) => w.userId));
      log(`waiting for the worker to write ${acks.length} orders`);
      await waitForOrders(env.sql, userIds, acks.length, { timeoutMs: 60_000, stallMs: 10_000 });
      // A late duplicate would land after the expected count is reached: give it a moment.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const accounting = accountFor(acks, await loadOrderRows(env.sql, userIds));
      const bursts = scenarios.find((s) => s.name === "bursts")!;
      const total = (f: (s: ScenarioResult) => number) => scenarios.reduce((n, s) => n + f(s), 0);
      const serverErrors = total((s) => s.serverErrors());
      const unexpected = total((s) => Object.values(s.unexpected).reduce((a, b) => a + b, 0));
      const splitKeys = total((s) => s.splitKeys);
      const { databaseUrl: _db, redisUrl: _redis, ...settings } = options;
      return {
        startedAt,
        command,
        settings,
        scenarios: scenarios.map((s) => s.toJSON()),
        requests: total((s) => s.sent),
        serverErrors,
        unexpected,
        burstRefused:
          bursts.sent === 0 ? 0 : Math.round((bursts.count("429 rate_limited") / bursts.sent) * 100) / 100,
        accounting,
        splitKeys,
        ok:
          serverErrors === 0 &&
          unexpected === 0 &&
          splitKeys === 0 &&
          accounting.lost === 0 &&
          accounting.duplicated === 0,
      };
    } finally {
      client.destroy();
      await worker.stop();
      await receiver.stop();
    }
  } finally {
    await env.close();
  }
}
