import { Agent } from "node:http";
import { type AppProcess, type HttpAnswer, sendHttp } from "@orderhook/testing";
import { afterAll, beforeAll } from "vitest";
import { Scenario } from "./scenario";

export interface AppsForFile {
  scenario: Scenario;
  receiver: AppProcess;
  /** Keep-alive connections for the file's requests. */
  agent: Agent;
  /** POSTs `body` as TradingView does (`text/plain`) to the webhook of `token` (the first user's). */
  post(body: string, token?: string): Promise<HttpAnswer>;
}

/**
 * One scenario with a receiver and a worker for all the tests of a file (filled in before the
 * first runs), closed after the last.
 */
export function appsForFile(label: string): AppsForFile {
  const apps = {
    agent: new Agent({ keepAlive: true }),
    post(body, token = apps.scenario.tokens[0]!) {
      return sendHttp(apps.receiver.origin, {
        path: `/v1/webhooks/${token}`,
        headers: { "content-type": "text/plain; charset=utf-8" },
        body,
        agent: apps.agent,
        timeoutMs: 10_000,
      });
    },
  } as AppsForFile;
  beforeAll(async () => {
    apps.scenario = await Scenario.create(label);
    apps.receiver = await apps.scenario.startReceiver();
    await apps.scenario.startWorker();
  }, 60_000);
  afterAll(async () => {
    apps.agent.destroy();
    await apps.scenario?.close();
  });
  return apps;
}
