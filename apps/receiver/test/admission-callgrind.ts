/**
 * Redis instructions per admission: a private `redis-server` under `valgrind --tool=callgrind`,
 * admissions through `createAdmission` as the receiver sends them (every feature on: deliveries
 * log, per-webhook dedup window, rate limit; signed webhooks with --signed-every), 200 warm-up, then
 * the counters zeroed, N admissions and a dump: the dump's total Ir ÷ N is
 * everything Redis executed per admission (event loop, parse, script, reply); the figure to
 * compare leaves out serverCron, whose share grows with valgrind's slowdown.
 *
 * The admissions go --batch at a time, started in one event-loop turn, so they reach Redis as one
 * script call each batch (at most --max-batch alerts, the receiver's cap by default); --batch 1,
 * the default, sends one after another, as a steady rate does.
 *
 *   pnpm --filter @orderhook/receiver exec tsx test/admission-callgrind.ts [--n 1000] [--batch 1] [--max-batch 32] [--no-log] [--signed-every 0] [--out DIR]
 *
 * Instruction counts do not move with other load on the machine (CPU times do). Prints the
 * figure and the dump's path; `callgrind_annotate --inclusive=yes <dump>` shows where it went.
 */
import { execFileSync, spawn } from "node:child_process";
import { hash, randomUUID } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { parseAlertBody } from "@orderhook/alert";
import { encodeDelivery } from "@orderhook/deliveries";
import { createOrderQueue, ORDER_JOB_VERSION } from "@orderhook/queue";
import { freePort } from "@orderhook/testing";
import { Redis } from "ioredis";
import { ADMISSION_BATCH_MAX, type AdmitRequest, createAdmission } from "../src/admission";
import { newOrderId } from "../src/order-id";

const { values } = parseArgs({
  options: {
    n: { type: "string", default: "1000" },
    warmup: { type: "string", default: "200" },
    batch: { type: "string", default: "1" },
    "max-batch": { type: "string", default: String(ADMISSION_BATCH_MAX) },
    "no-log": { type: "boolean", default: false },
    /** One admission in this many is a signed webhook's (0: none, as in the bench). */
    "signed-every": { type: "string", default: "0" },
    out: { type: "string" },
  },
});
const n = Number(values.n);
const warmup = Number(values.warmup);
const batch = Number(values.batch);
const maxBatch = Number(values["max-batch"]);
const signedEvery = Number(values["signed-every"]);
const dir = values.out ?? mkdtempSync(join(tmpdir(), "admission-callgrind-"));
mkdirSync(dir, { recursive: true });
const port = await freePort();
const server = spawn(
  "valgrind",
  [
    "--tool=callgrind",
    `--callgrind-out-file=${join(dir, "callgrind.out.%p")}`,
    "redis-server",
    "--port",
    String(port),
    "--save",
    "",
    "--appendonly",
    "no",
    "--dir",
    dir,
  ],
  { stdio: "ignore" },
);
const pid = server.pid!;
const control = (...args: string[]) =>
  execFileSync("callgrind_control", [...args, String(pid)], { stdio: "ignore" });

let redis: Redis | null = null;
for (let i = 0; i < 300 && redis === null; i++) {
  const client = new Redis({ port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on("error", () => {});
  try {
    await client.connect();
    await client.ping();
    redis = client;
  } catch {
    client.disconnect();
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
if (redis === null) throw new Error("redis-server under callgrind did not start");

const prefix = "cg";
const queue = createOrderQueue(redis, prefix);
await queue.waitUntilReady();
const admission = createAdmission(redis, queue, {
  prefix,
  idempotencyTtlMs: 86_400_000,
  maxBatch,
  deliveryLog: values["no-log"] ? undefined : { maxEntries: 1_000, maxAgeMs: 604_800_000 },
});

const users = Array.from({ length: 10 }, () => ({
  userId: randomUUID(),
  webhookId: randomUUID(),
  accountId: randomUUID(),
}));

function request(i: number): AdmitRequest {
  const user = users[i % users.length]!;
  // The bench's alert body (tools/bench/src/load/send-alert.ts).
  const text = `{"ticker":"AAPL","action":"buy","quantity":1,"comment":"callgrind-${i}"}`;
  const { raw, alert } = parseAlertBody(text, null);
  const receivedAt = Date.now();
  const orderId = newOrderId(receivedAt);
  const signed = signedEvery > 0 && i % signedEvery === 0;
  return {
    bodyHash: hash("sha256", text, "base64"),
    rate: 1_000_000,
    burst: 1_000_000,
    dedupWindowMs: 1_000,
    signature: signed ? { webhookId: user.webhookId, messageId: `msg_${i}` } : null,
    job: { v: ORDER_JOB_VERSION, orderId, ...user, idempotencyKey: null, alert, raw, receivedAt },
    delivery: encodeDelivery({
      receivedAt,
      requestId: randomUUID(),
      outcome: "accepted",
      httpStatus: 202,
      orderId,
      errors: [],
      ackMs: 0.412,
      clientIp: "203.0.113.7",
      contentType: "application/json",
      bodyExcerpt: text,
    }),
  };
}

async function admitAll(from: number, count: number): Promise<void> {
  for (let i = from; i < from + count; i += batch) {
    const admitted = Array.from({ length: Math.min(batch, from + count - i) }, (_, j) =>
      admission.admit(request(i + j)),
    );
    for (const [j, result] of (await Promise.all(admitted)).entries()) {
      if (result.outcome !== "accepted") throw new Error(`admission ${i + j}: ${JSON.stringify(result)}`);
    }
  }
}

await admitAll(0, warmup);
control("-z");
await admitAll(warmup, n);
control("-d");
redis.disconnect();
await queue.close().catch(() => {});
server.kill("SIGTERM");
await new Promise((resolve) => server.once("exit", resolve));

// The dump taken by `-d` is the one numbered 1 (the exit writes the rest).
const dump = readdirSync(dir)
  .filter((name) => name.startsWith(`callgrind.out.${pid}.`))
  .sort()[0];
if (dump === undefined) throw new Error(`no callgrind dump in ${dir}`);
const totals = /^(?:totals|summary): (\d+)/m.exec(readFileSync(join(dir, dump), "utf8"));
if (totals === null) throw new Error(`no totals in ${dump}`);
// serverCron runs 10 times a second of wall time, which valgrind stretches many times over: its
// share per admission is an artefact of the measurement, so the figure that compares leaves it out.
const annotated = execFileSync(
  "callgrind_annotate",
  ["--inclusive=yes", "--threshold=100", join(dir, dump)],
  {
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  },
);
const cron = /^\s*([\d,]+) .*:serverCron /m.exec(annotated)?.[1]?.replaceAll(",", "") ?? "0";
const per = (instructions: number) => Math.round(instructions / n).toLocaleString("en-US");
console.log(
  `${per(Number(totals[1]) - Number(cron))} Redis instructions per admission without serverCron ` +
    `(${per(Number(totals[1]))} with it; ${n} admissions, ${batch} at a time, at most ${maxBatch} a call, ` +
    `deliveries log ${values["no-log"] ? "off" : "on"}); ` +
    `dump ${join(dir, dump)}`,
);
