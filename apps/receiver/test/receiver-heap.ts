/**
 * What the receiver allocates per accepted alert, in bytes (ADR 5): the built receiver
 * (`pnpm build`) with a young generation large enough that N alerts sent one at a time over one
 * keep-alive connection cause no garbage collection, so the heap's growth over them ÷ N is the
 * bytes each allocates on V8's heap (Buffers' backing stores are outside it) — what a burst's
 * scavenges pay for. The process answers over IPC (test/heap-probe.cjs).
 * `--floor` measures bare Hono's allocation the same way (tools/bench/src/targets/floor-server.ts).
 *
 *   pnpm --filter @orderhook/receiver exec tsx test/receiver-heap.ts [--n 2000] [--warmup 3000] [--floor] [--heap-prof DIR] [--sites [--top 30] [--no-inlining]]
 *
 * `--sites` then sends N alerts more under V8's sampling heap profiler (every 128 bytes on
 * average, collected objects kept) and prints the bytes per alert of the top sites, by the
 * allocating function and by the nearest orderhook frame (test/heap-sites.ts). A function
 * TurboFan inlined is counted in its caller; `--no-inlining` runs the app with
 * `--no-turbo-inlining`, so each is named (the figures then move a little).
 *
 * Needs the shared Postgres (DATABASE_URL of any database on the server) and psql, and
 * redis-server; makes a database (`db migrate`) and a Redis of its own and removes both. The
 * credential cache's refresh is set to an hour so its query falls outside the count.
 */
import { execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { Agent } from "node:http";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { freePort, RedisServer } from "@orderhook/testing";
import { harnessTarget, REPO_ROOT, sendAlert, untilAnswering } from "./harness-target";
import { allocationSites, type SamplingHeapProfile } from "./heap-sites";

const { values } = parseArgs({
  options: {
    n: { type: "string", default: "2000" },
    warmup: { type: "string", default: "3000" },
    floor: { type: "boolean", default: false },
    "heap-prof": { type: "string" },
    sites: { type: "boolean", default: false },
    top: { type: "string", default: "30" },
    "no-inlining": { type: "boolean", default: false },
  },
});
const n = Number(values.n);
const warmup = Number(values.warmup);
const root = REPO_ROOT;
const baseUrl = new URL(process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres");
const label = `rxheap${process.pid}`;
const databaseUrl = new URL(baseUrl);
databaseUrl.pathname = `/${label}`;
const port = await freePort();
const redisServer = values.floor ? null : await RedisServer.start({ appendonly: false });

const { entry, env, path } = await harnessTarget({
  floor: values.floor,
  label,
  databaseUrl,
  redisUrl: redisServer?.url ?? "",
});
const app = spawn(
  process.execPath,
  [
    "--expose-gc",
    // 128 MB semi-spaces: thousands of alerts fit between two scavenges.
    "--min-semi-space-size=128",
    "--max-semi-space-size=128",
    ...(values["no-inlining"] ? ["--no-turbo-inlining"] : []),
    // Where the bytes go: V8's sampling heap profile (warm-up included), written at exit.
    ...(values["heap-prof"]
      ? ["--heap-prof", "--heap-prof-interval=256", `--heap-prof-dir=${values["heap-prof"]}`]
      : []),
    "--require",
    fileURLToPath(new URL("heap-probe.cjs", import.meta.url)),
    ...entry,
  ],
  {
    cwd: root,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", PORT: String(port), ...env },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  },
);

interface Reading {
  bytes: number;
  collections: number;
}
interface Sampled {
  error?: string;
  profile?: SamplingHeapProfile;
}
function ask(question: "mark" | "allocated"): Promise<Reading>;
function ask(question: "sample" | "sampled"): Promise<Sampled>;
function ask(question: string): Promise<unknown> {
  app.send(question);
  return once(app, "message").then(([answer]) => answer);
}

const agent = new Agent({ keepAlive: true, maxSockets: 1 });
const send = (i: number) => sendAlert(agent, port, path, "heap", i);

function expect202(status: number, i: number): void {
  if (status !== 202) throw new Error(`alert ${i} answered ${status}`);
}

let next = 0;
async function sendInTurn(count: number): Promise<void> {
  for (const end = next + count; next < end; next++) expect202(await send(next), next);
}

const who = values.floor ? "bare Hono" : "receiver";
try {
  await untilAnswering(send, 120, 250, "the app");
  await sendInTurn(warmup);

  await ask("mark");
  await sendInTurn(n);
  const allocated = await ask("allocated");
  if (allocated.collections > 0)
    throw new Error(
      `${allocated.collections} GCs ran during the count (${allocated.bytes} bytes); lower --n`,
    );
  console.log(
    `${Math.round(allocated.bytes / n).toLocaleString("en-US")} bytes allocated per alert (${who}, V8 heap; ${n} alerts one at a time after ${warmup})`,
  );
  if (values.sites) {
    await ask("mark");
    const started = await ask("sample");
    if (started.error !== undefined) throw new Error(`sampling did not start: ${started.error}`);
    await sendInTurn(n);
    const { error, profile } = await ask("sampled");
    if (profile === undefined) throw new Error(`no profile: ${error}`);
    console.log(allocationSites(profile, n, Number(values.top)));
  }
} finally {
  agent.destroy();
  app.kill("SIGTERM");
  await once(app, "exit");
  if (redisServer !== null) {
    await redisServer.kill();
    await redisServer.cleanup();
    execFileSync("psql", [baseUrl.toString(), "-qc", `drop database if exists "${label}" with (force)`]);
  }
}
