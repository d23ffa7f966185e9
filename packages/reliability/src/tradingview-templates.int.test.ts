import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import {
  createFixture,
  type Fixture,
  type HttpAnswer,
  ORDERHOOK_CLI,
  orderIdOf,
  problemCode,
  sendHttp,
} from "@orderhook/testing";
import { describe, expect, it } from "vitest";
import { appsForFile } from "./harness/apps-for-file";

// Issue 12: alert messages as TradingView users paste them (TradingView and TradersPost
// templates, placeholders filled the way TradingView fills them), and every example of
// docs/tradingview.md, against the real receiver and worker.

const DOC = fileURLToPath(new URL("../../../docs/tradingview.md", import.meta.url));
const PACKAGE_DIR = fileURLToPath(new URL("..", import.meta.url));
const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));

const apps = appsForFile("tradingview");

interface OrderView {
  status: string;
  reason: string | null;
  ticker: string;
  action: string;
  quantity: string | null;
  signalPrice: string | null;
  sentiment: string | null;
  alertTime: string | null;
  [field: string]: unknown;
}

/** The order once the worker has written it, as GET /v1/orders/{id} reports it. */
async function settled(orderId: string, token = apps.scenario.tokens[0]!): Promise<OrderView> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const answer = await sendHttp(apps.receiver.origin, {
      method: "GET",
      path: `/v1/orders/${orderId}`,
      headers: { authorization: `Bearer ${token}` },
      agent: apps.agent,
    });
    const view = JSON.parse(answer.text) as OrderView;
    if (view.status === "accepted" || view.status === "rejected" || Date.now() > deadline) return view;
    await sleep(100);
  }
}

/** Placeholder values as TradingView writes them: numbers as strings, times in UTC to the second. */
function tradingView(values: Record<string, string> = {}): Record<string, string> {
  const now = new Date();
  const second = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, "Z");
  return {
    ticker: "NQ1!",
    exchange: "CME_MINI",
    close: "21345.25",
    interval: "15",
    timenow: second(now),
    time: second(new Date(Math.floor(now.getTime() / 900_000) * 900_000)),
    "strategy.order.action": "buy",
    "strategy.order.contracts": "1",
    "strategy.order.price": "21344.75",
    "strategy.order.id": "Long",
    "strategy.order.comment": "Long entry",
    "strategy.market_position": "long",
    "strategy.position_size": "1",
    ...values,
  };
}

function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{\{([\w.]+)\}\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`no value for the placeholder {{${name}}}`);
    return value;
  });
}

describe("TradingView and TradersPost templates", () => {
  const TRADERSPOST_STRATEGY =
    '{"ticker":"{{ticker}}","action":"{{strategy.order.action}}","sentiment":"{{strategy.market_position}}",' +
    '"quantity":"{{strategy.order.contracts}}","price":"{{close}}","time":"{{timenow}}"}';
  const cases: {
    name: string;
    template: string;
    values: Record<string, string>;
    expected: Partial<OrderView> & { alertTime?: "timenow" | "time" | null };
  }[] = [
    {
      name: "TradersPost strategy template on a futures continuous contract",
      template: TRADERSPOST_STRATEGY,
      values: { ticker: "NQ1!", "strategy.order.contracts": "1.0" },
      expected: {
        ticker: "NQ1!",
        action: "buy",
        quantity: "1.0",
        signalPrice: "21345.25",
        sentiment: "long",
        alertTime: "timenow",
      },
    },
    {
      name: "TradersPost strategy template closing a long on a crypto perpetual",
      template: TRADERSPOST_STRATEGY,
      values: {
        ticker: "BTCUSDT.P",
        close: "64123.5",
        "strategy.order.action": "sell",
        "strategy.order.contracts": "0.00125",
        "strategy.market_position": "flat",
      },
      expected: {
        ticker: "BTCUSDT.P",
        action: "sell",
        quantity: "0.00125",
        signalPrice: "64123.5",
        sentiment: "flat",
      },
    },
    {
      name: "exchange-qualified ticker with the order's own price and id",
      template:
        '{"symbol":"{{exchange}}:{{ticker}}","action":"{{strategy.order.action}}","quantity":"{{strategy.order.contracts}}",' +
        '"orderType":"limit","limitPrice":"{{strategy.order.price}}","comment":"{{strategy.order.id}}","interval":"{{interval}}"}',
      values: {
        exchange: "BINANCE",
        ticker: "BTCUSDT",
        "strategy.order.contracts": "0.00125",
        "strategy.order.price": "64000.10",
      },
      expected: {
        ticker: "BINANCE:BTCUSDT",
        action: "buy",
        quantity: "0.00125",
        limitPrice: "64000.10",
        alertTime: null,
      },
    },
    {
      name: "indicator alert with a fixed side and size on a share class",
      template:
        '{"ticker":"{{ticker}}","action":"BUY","quantity":"10","price":"{{close}}","time":"{{time}}"}',
      values: { ticker: "BRK.B", close: "412.07" },
      expected: { ticker: "BRK.B", action: "buy", quantity: "10", signalPrice: "412.07", alertTime: "time" },
    },
    {
      name: "indicator exit on a pair with a slash",
      template:
        '{"ticker":"{{exchange}}:{{ticker}}","action":"exit","price":"{{close}}","time":"{{timenow}}"}',
      values: { exchange: "COINBASE", ticker: "BTC/USD", close: "0.00125" },
      expected: { ticker: "COINBASE:BTC/USD", action: "exit", quantity: null, signalPrice: "0.00125" },
    },
    {
      name: "strategy template with brackets, numbers as strings",
      template:
        '{"ticker":"{{ticker}}","action":"{{strategy.order.action}}","quantity":"{{strategy.order.contracts}}",' +
        '"takeProfit":{"price":"21400.00"},"stopLoss":{"percent":"0.5"},"maxLagSeconds":"60","time":"{{timenow}}"}',
      values: {},
      expected: {
        ticker: "NQ1!",
        quantity: "1",
        takeProfit: { price: "21400.00" },
        stopLoss: { percent: "0.5" },
      },
    },
    {
      name: "TradingView's default strategy message",
      template:
        "Order {{strategy.order.action}} @ {{strategy.order.contracts}} filled on {{ticker}}. New strategy position is {{strategy.position_size}}",
      values: {
        "strategy.order.action": "sell",
        "strategy.order.contracts": "2",
        "strategy.position_size": "-1",
      },
      expected: { ticker: "NQ1!", action: "sell", quantity: "2", sentiment: "short" },
    },
  ];

  it.each(cases)("accepts $name and stores the order it means", async ({ template, values, expected }) => {
    const filled = tradingView(values);
    const body = fill(template, filled);
    const answer = await apps.post(body);
    expect(answer.status, `${answer.text} for ${body}`).toBe(202);
    const view = await settled(orderIdOf(answer.text)!);
    const { alertTime, ...fields } = expected;
    expect(view, body).toMatchObject({ status: "accepted", ...fields });
    if (alertTime !== undefined) {
      expect(view.alertTime, body).toBe(
        alertTime === null ? null : new Date(filled[alertTime]!).toISOString(),
      );
    }
  });
});

interface Block {
  info: string;
  text: string;
  line: number;
}

/** The fenced blocks of docs/tradingview.md, with their info strings (`json alert`, `json refused`, …). */
function docBlocks(): Block[] {
  const markdown = readFileSync(DOC, "utf8");
  const blocks: Block[] = [];
  for (const match of markdown.matchAll(/^```([^\n]*)\n([\s\S]*?)^```$/gm)) {
    blocks.push({
      info: match[1]!.trim(),
      text: match[2]!,
      line: markdown.slice(0, match.index).split("\n").length,
    });
  }
  return blocks;
}

/** Rows of the doc's table with these two header cells, as their code spans. */
function docTable(header: string): [string, string][] {
  const markdown = readFileSync(DOC, "utf8");
  const start = markdown.indexOf(header);
  expect(start, `table "${header}" in docs/tradingview.md`).toBeGreaterThan(-1);
  const rows: [string, string][] = [];
  for (const line of markdown.slice(start).split("\n").slice(2)) {
    if (!line.startsWith("|")) break;
    const cells = [...line.matchAll(/`([^`]*)`/g)].map((m) => m[1]!);
    rows.push([cells[0]!, cells[1]!]);
  }
  return rows;
}

/** Rows of the doc's table with this header line, as the last code span of each cell. */
function docTableCells(header: string): string[][] {
  const markdown = readFileSync(DOC, "utf8");
  const start = markdown.indexOf(header);
  expect(start, `table "${header}" in docs/tradingview.md`).toBeGreaterThan(-1);
  const rows: string[][] = [];
  for (const line of markdown.slice(start).split("\n").slice(2)) {
    if (!line.startsWith("|")) break;
    rows.push(
      line
        .split("|")
        .slice(1, -1)
        .map((cell) => [...cell.matchAll(/`([^`]*)`/g)].at(-1)?.[1] ?? ""),
    );
  }
  return rows;
}

/** A `sh settings` block run as a user pastes it, `pnpm orderhook` being the CLI from source. */
function runShell(script: string, env: Record<string, string>): Promise<{ code: number; output: string }> {
  const prelude =
    'pnpm() { if [ "$1" != orderhook ]; then echo "not an orderhook command: $*" >&2; return 2; fi; ' +
    'shift; node --import tsx "$ORDERHOOK_CLI" "$@"; }\n';
  return new Promise((resolve) => {
    execFile(
      "bash",
      // --norc: bash reads no rc file even when it takes its socket stdin for a remote shell.
      ["--norc", "-euo", "pipefail", "-c", prelude + script],
      {
        cwd: REPO_ROOT,
        env: {
          PATH: process.env.PATH ?? "",
          HOME: process.env.HOME ?? "/tmp",
          ORDERHOOK_CLI,
          ...apps.scenario.env(),
          ...env,
        },
        timeout: 120_000,
      },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, output: `${stdout}${stderr}` }),
    );
  });
}

interface Settings {
  defaultQuantity: string | null;
  dedupWindowMs: number | null;
  maxLagSeconds: number | null;
  rateLimitPerSecond: number | null;
  rateLimitBurst: number | null;
}

const OPTION_FIELDS: Record<string, keyof Settings> = {
  "--default-quantity": "defaultQuantity",
  "--dedup-window-ms": "dedupWindowMs",
  "--max-lag-seconds": "maxLagSeconds",
  "--rate-limit": "rateLimitPerSecond",
  "--burst": "rateLimitBurst",
};

/** What the `update` commands of a block leave in Postgres, for a webhook and user that had every default. */
function settingsAfter(script: string): Settings {
  const settings: Settings = {
    defaultQuantity: null,
    dedupWindowMs: null,
    maxLagSeconds: null,
    rateLimitPerSecond: null,
    rateLimitBurst: null,
  };
  for (const line of script.split("\n")) {
    const words = line.trim().split(/\s+/);
    if (words[0] !== "pnpm" || words[3] !== "update") continue;
    for (let i = 5; i < words.length; i += 2) {
      const field = OPTION_FIELDS[words[i]!];
      expect(field, `an option this test knows: ${line}`).toBeDefined();
      const value = words[i + 1]!;
      settings[field!] = (
        value === "none" ? null : field === "defaultQuantity" ? value : Number(value)
      ) as never;
    }
  }
  return settings;
}

/** `count` distinct alerts at the same moment, as a bar close sends them. */
function barClose(token: string, count: number, tag: string): Promise<HttpAnswer[]> {
  return Promise.all(
    Array.from({ length: count }, (_, i) =>
      apps.post(
        JSON.stringify({ ticker: `SYM${i}`, action: "buy", quantity: "1", comment: `${tag}-${i}` }),
        token,
      ),
    ),
  );
}

describe("docs/tradingview.md", () => {
  it("has its examples where this test looks for them", () => {
    const infos = docBlocks().map((b) => b.info);
    expect(infos.filter((i) => i.endsWith(" alert")).length).toBeGreaterThanOrEqual(6);
    expect(infos.filter((i) => i === "json refused" || i === "json settings-refused").length).toBe(
      infos.filter((i) => i === "json problem").length,
    );
    expect(infos).toContain("js sign");
    expect(infos.filter((i) => i === "sh settings").length).toBeGreaterThanOrEqual(5);
    // Every block is one this test runs: no example goes unchecked.
    expect(
      infos.filter(
        (i) =>
          !/^(json|text) alert$|^json (refused|problem|settings-alert|settings-refused)$|^js sign$|^sh settings$/.test(
            i,
          ),
      ),
    ).toEqual([]);
  });

  it("accepts every message template, placeholders filled as TradingView fills them", async () => {
    for (const block of docBlocks().filter((b) => b.info.endsWith(" alert"))) {
      const body = fill(block.text, tradingView());
      if (block.info.startsWith("json")) expect(() => JSON.parse(body), `line ${block.line}`).not.toThrow();
      const answer = await apps.post(body);
      expect(answer.status, `docs/tradingview.md line ${block.line}: ${answer.text}`).toBe(202);
      const view = await settled(orderIdOf(answer.text)!);
      expect(view.status, `line ${block.line}: ${JSON.stringify(view)}`).toBe("accepted");
      expect(view.ticker, `line ${block.line}`).toBe("NQ1!");
    }
  });

  it("answers every refused example with the problem shown after it", async () => {
    const blocks = docBlocks();
    for (const [i, block] of blocks.entries()) {
      if (block.info !== "json refused") continue;
      const problem = blocks[i + 1]!;
      expect(problem.info, `line ${problem.line}`).toBe("json problem");
      const answer = await apps.post(block.text);
      expect(JSON.parse(answer.text), `docs/tradingview.md line ${block.line}: ${answer.text}`).toMatchObject(
        JSON.parse(problem.text),
      );
      expect(answer.status, answer.text).toBe((JSON.parse(problem.text) as { status: number }).status);
    }
  });

  it("stores and returns each decimal of the table as the table says", async () => {
    const rows = docTable("| you send | stored and returned |");
    expect(rows.length).toBeGreaterThan(5);
    for (const [sent, returned] of rows) {
      const body = `{"ticker":"ES","action":"buy","quantity":${sent},"comment":"decimal ${JSON.stringify(sent).slice(1, -1)}"}`;
      const answer = await apps.post(body);
      expect(answer.status, `${answer.text} for ${body}`).toBe(202);
      const view = await settled(orderIdOf(answer.text)!);
      expect(view.quantity, body).toBe(JSON.parse(returned));
    }
  });

  it("answers the default message's equivalent JSON like the message, and other text with malformed_json", async () => {
    const message = docBlocks().find((b) => b.info === "text alert")!;
    const view = await settled(orderIdOf((await apps.post(`${message.text.trim()} `)).text)!);
    expect(view).toMatchObject({ ticker: "NQ1!", action: "buy", quantity: "1", sentiment: "long" });
    const other = await apps.post("buy NQ1! 1");
    expect(other.status, other.text).toBe(400);
    expect(problemCode(other.text)).toBe("malformed_json");
    expect(other.text).toContain('{\\"ticker\\":\\"NQ1!\\",\\"action\\":\\"buy\\",\\"quantity\\":\\"1\\"}');
  });

  it("runs every settings command as written, each on a webhook of its own, and the alerts after it do what the page says", async () => {
    const blocks = docBlocks();
    let current: { fixture: Fixture; settings: Settings } | null = null;
    for (const [i, block] of blocks.entries()) {
      const where = `docs/tradingview.md line ${block.line}`;
      if (block.info === "sh settings") {
        // A webhook and owner with every default, unknown to the receiver until the commands ran.
        const fixture = await createFixture(apps.scenario.db.db);
        const run = await runShell(block.text, { WEBHOOK_ID: fixture.webhookId, EMAIL: fixture.email });
        expect(run.code, `${where}: ${run.output}`).toBe(0);
        expect(run.output, where).not.toMatch(/warning/);
        await apps.scenario.untilTokenKnown(fixture.token);
        const settings = settingsAfter(block.text);
        const [stored] = await apps.scenario.db.sql<Settings[]>`
          select w.default_quantity as "defaultQuantity", w.dedup_window_ms as "dedupWindowMs",
            w.max_lag_seconds as "maxLagSeconds", u.rate_limit_per_second as "rateLimitPerSecond",
            u.rate_limit_burst as "rateLimitBurst"
          from webhooks w join users u on u.id = w.user_id where w.id = ${fixture.webhookId}`;
        expect({ ...stored }, where).toEqual(settings);
        current = { fixture, settings };
        if (settings.dedupWindowMs === 0) {
          // Two fills on one bar, byte for byte the same: two orders.
          const body = JSON.stringify({
            ticker: "NQ1!",
            action: "buy",
            quantity: "1",
            time: tradingView().timenow,
          });
          const pair = await Promise.all([apps.post(body, fixture.token), apps.post(body, fixture.token)]);
          expect(
            pair.map((a) => a.status),
            `${where}: ${pair.map((a) => a.text).join()}`,
          ).toEqual([202, 202]);
          expect(orderIdOf(pair[0].text), where).not.toBe(orderIdOf(pair[1].text));
        }
        if (settings.rateLimitBurst !== null) {
          const burst = await barClose(fixture.token, settings.rateLimitBurst, `doc-${block.line}`);
          expect(
            burst.map((a) => a.status),
            `${where}: ${burst.map((a) => a.text).join()}`,
          ).toEqual(Array(settings.rateLimitBurst).fill(202));
        }
        continue;
      }
      if (block.info !== "json settings-alert" && block.info !== "json settings-refused") continue;
      expect(current, `${where}: a settings command before it`).not.toBeNull();
      const { fixture, settings } = current!;
      if (block.info === "json settings-alert") {
        const body = fill(block.text, tradingView());
        const answer = await apps.post(body, fixture.token);
        expect(answer.status, `${where}: ${answer.text}`).toBe(202);
        const view = await settled(orderIdOf(answer.text)!, fixture.token);
        expect(view.status, `${where}: ${JSON.stringify(view)}`).toBe("accepted");
        const sent = JSON.parse(body) as Record<string, unknown>;
        if (sent.quantity === undefined) expect(view.quantity, where).toBe(settings.defaultQuantity);
      } else {
        const problem = blocks[i + 1]!;
        expect(problem.info, `line ${problem.line}`).toBe("json problem");
        const answer = await apps.post(block.text, fixture.token);
        const expected = JSON.parse(problem.text) as { status: number };
        expect(JSON.parse(answer.text), `${where}: ${answer.text}`).toMatchObject(expected);
        expect(answer.status, answer.text).toBe(expected.status);
      }
    }
  }, 180_000);

  it("accepts every bar-close burst of the sizing table whole, at the rate and burst it gives", async () => {
    const rows = docTableCells("| alerts at one bar close | `--rate-limit` | `--burst` |");
    expect(rows.length).toBeGreaterThanOrEqual(3);
    for (const [alerts, rate, burst] of rows) {
      // The table's "none needed (the default, `10`)": the owner's burst left at the default.
      const fixture = await apps.scenario.addFixture({
        rateLimitPerSecond: Number(rate),
        rateLimitBurst: Number(burst) === Number(rate) ? null : Number(burst),
      });
      const answers = await barClose(fixture.token, Number(alerts), `table-${alerts}-${burst}`);
      expect(
        answers.map((a) => a.status),
        `${alerts} alerts at ${rate}/s, burst ${burst}: ${answers.map((a) => a.text).join()}`,
      ).toEqual(Array(Number(alerts)).fill(202));
    }
  });

  it("runs the signing example against a signed webhook: 202", async () => {
    const signed = await apps.scenario.addFixture({ signingSecret: true });
    const code = docBlocks().find((b) => b.info === "js sign")!.text;
    // The example as a user runs it: node, with the standardwebhooks package installed.
    const { stdout } = await promisify(execFile)(process.execPath, ["--input-type=module", "-e", code], {
      cwd: PACKAGE_DIR,
      env: {
        PATH: process.env.PATH ?? "",
        ORDERHOOK_URL: `${apps.receiver.origin}/v1/webhooks/${signed.token}`,
        ORDERHOOK_SECRET: signed.signingSecret!,
      },
      timeout: 20_000,
    });
    expect(stdout, stdout).toMatch(/^202 \{"orderId":/);
    const unsigned = await apps.post('{"ticker":"AAPL","action":"buy","quantity":"1"}', signed.token);
    expect(unsigned.status, unsigned.text).toBe(401);
  });
});
