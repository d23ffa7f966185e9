/**
 * The receiver's own instructions per accepted alert: the built receiver (`pnpm build`) under
 * `valgrind --tool=callgrind` with instrumentation off, warm-up alerts uncounted, then
 * instrumentation on for N alerts sent one at a time over one keep-alive connection (each
 * request its own event-loop turn, so the count does not depend on timing), a dump, and the
 * main thread's instructions ÷ N. V8's compiler and GC helper threads are left out; kernel time
 * (the socket writes) is never counted by callgrind. `--floor` measures bare Hono the same way
 * (tools/bench/src/targets/floor-server.ts, bundled with esbuild).
 *
 *   pnpm --filter @orderhook/receiver exec tsx test/receiver-callgrind.ts [--n 1000] [--warmup 3000] [--floor] [--out DIR] [--perf-map] [--connections 1]
 *
 * `--connections N` sends over N keep-alive connections at once, one alert at a time on each, so
 * that several requests are ready in one event-loop turn, as in a burst (their admissions then
 * share a script call). How many share a turn depends on timing, so such counts vary more
 * between runs than the one-connection figure.
 *
 * `--perf-map` runs node with `--perf-basic-prof`: callgrind names V8's generated code only by
 * address, and /tmp/perf-<pid>.map (kept) names those addresses (ADR 5).
 *
 * Needs the shared Postgres and Redis (DATABASE_URL of any database on the server, REDIS_URL;
 * defaults the local ones) and psql; makes a database (`db migrate`) and a queue prefix of its
 * own and removes both. The credential cache's refresh is set to an hour: its Postgres query every
 * 5 s of wall time fell in the count (~9k per alert under valgrind, ADR 5). Repeat runs agree
 * within ~1 % (ADR 5); a run takes 2–3 minutes.
 */
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { Agent } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { freePort } from "@orderhook/testing";
import { Redis } from "ioredis";
import { harnessTarget, REPO_ROOT, sendAlert, untilAnswering } from "./harness-target";

const { values } = parseArgs({
  options: {
    n: { type: "string", default: "1000" },
    warmup: { type: "string", default: "3000" },
    connections: { type: "string", default: "1" },
    floor: { type: "boolean", default: false },
    out: { type: "string" },
    "perf-map": { type: "boolean", default: false },
  },
});
const n = Number(values.n);
const warmup = Number(values.warmup);
const root = REPO_ROOT;
const dir = values.out ?? mkdtempSync(join(tmpdir(), "receiver-callgrind-"));
mkdirSync(dir, { recursive: true });
const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const baseUrl = new URL(process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres");
const label = `rxcg${process.pid}`;
const databaseUrl = new URL(baseUrl);
databaseUrl.pathname = `/${label}`;
const port = await freePort();

const { entry, env, path } = await harnessTarget({
  floor: values.floor,
  label,
  databaseUrl,
  redisUrl,
  // Under instrumentation the first calls through new code are translated first, which can
  // take a Redis command past the default second (a 503, not a figure).
  env: { REDIS_TIMEOUT_MS: "30000" },
});
const app = spawn(
  "valgrind",
  [
    "--tool=callgrind",
    "--instr-atstart=no",
    "--separate-threads=yes",
    "--smc-check=all-non-file",
    `--callgrind-out-file=${join(dir, "callgrind.out.%p")}`,
    process.execPath,
    ...(values["perf-map"] ? ["--perf-basic-prof"] : []),
    ...entry,
  ],
  {
    cwd: root,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", PORT: String(port), ...env },
    stdio: "ignore",
  },
);
const pid = app.pid!;
const control = (...args: string[]) =>
  execFileSync("callgrind_control", [...args, String(pid)], { stdio: "ignore" });

const connections = Number(values.connections);
const agent = new Agent({ keepAlive: true, maxSockets: connections });
const send = (i: number) => sendAlert(agent, port, path, "callgrind", i);

async function sendAll(from: number, count: number): Promise<void> {
  let next = from;
  const sender = async () => {
    while (next < from + count) {
      const i = next++;
      const status = await send(i);
      if (status !== 202) throw new Error(`alert ${i} answered ${status}`);
    }
  };
  await Promise.all(Array.from({ length: connections }, sender));
}

try {
  await untilAnswering(send, 600, 500, "the app under callgrind");
  await sendAll(0, warmup);
  control("-i", "on");
  await sendAll(warmup, n);
  control("-d");
} finally {
  agent.destroy();
  app.kill("SIGTERM");
  await new Promise((resolve) => app.once("exit", resolve));
  if (!values.floor) {
    const redis = new Redis(redisUrl);
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${label}*`, "COUNT", 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== "0");
    redis.disconnect();
    execFileSync("psql", [baseUrl.toString(), "-qc", `drop database if exists "${label}" with (force)`]);
  }
}

// With --separate-threads each thread has its own file; the main thread's dump by `-d` ends in ".1-01".
const dump = readdirSync(dir).find((name) => name.startsWith(`callgrind.out.${pid}.1-01`));
if (dump === undefined) throw new Error(`no main-thread dump in ${dir}`);
const totals = /^(?:totals|summary): (\d+)/m.exec(readFileSync(join(dir, dump), "utf8"));
if (totals === null) throw new Error(`no totals in ${dump}`);
console.log(
  `${Math.round(Number(totals[1]) / n).toLocaleString("en-US")} ${values.floor ? "bare Hono" : "receiver"} ` +
    `main-thread instructions per alert (${n} alerts after ${warmup} uncounted); dump ${join(dir, dump)}` +
    (values["perf-map"] ? `; names /tmp/perf-${pid}.map` : ""),
);
