import { hash } from "node:crypto";
import { deliveryStreamKey } from "@orderhook/deliveries";
import {
  captureJobAddTemplate,
  isCluster,
  keySlot,
  type OrderJob,
  type OrderQueue,
  type QueueShards,
  queueShards,
  type RedisClient,
  shardKey,
  userKey,
} from "@orderhook/queue";
import type { Redis } from "ioredis";
import { ADMIT_ALERT_KEYS, ADMIT_SHARD_KEYS, admitLua, PREVIOUS_SHARD_LUA } from "./admission-scripts";
import { createEncodedScript, encodeArguments } from "./encoded-script";
import { createTurnBatches } from "./turn-batches";

export type AdmitResult =
  | { outcome: "accepted" }
  | { outcome: "replay"; orderId: string }
  | { outcome: "in_flight" }
  | { outcome: "key_reused" }
  | { outcome: "rate_limited"; retryAfterMs: number };

export interface AdmitRequest {
  /** Base64 SHA-256 of the raw body. */
  bodyHash: string;
  /** Alerts per second for this user. */
  rate: number;
  /** Alerts this user may send at the same moment (≥ 1); the bucket refills at `rate`. */
  burst: number;
  /** Keyless alerts with this body are one order within this many ms (the webhook's window; 0: off). */
  dedupWindowMs: number;
  /** Signed webhooks: webhook id and the sender's `webhook-id`; a retry of a queued one gets its order. */
  signature: { webhookId: string; messageId: string } | null;
  /**
   * The job to queue when admitted: its `orderId` is the job id, its `userId` and
   * `idempotencyKey` scope the keys, its `webhookId` and `accountId` join the fingerprint.
   */
  job: OrderJob;
  /** `job` as JSON, when the caller wrote it (`orderJobJson`); absent: `JSON.stringify(job)`. */
  jobJson?: string;
  /**
   * The deliveries log entry to append if the alert is accepted (see `encodeDelivery`), written
   * in the same script; null when the log is off.
   */
  delivery?: string | null;
}

export interface AdmissionOptions {
  /** QUEUE_PREFIX: shard 0's prefix (and the only one when `shards` is absent). */
  prefix: string;
  /** The queue shards; absent: one, under `prefix`. `queues` then holds one queue per shard. */
  shards?: QueueShards;
  /**
   * REDIS_WAIT_REPLICAS: replicas that must acknowledge an accepted job's writes (`WAIT`) before
   * the admission counts as done; fewer in `waitTimeoutMs` throws, which the receiver answers
   * with 503 (the job may be queued; the retry is an idempotent replay). 0: no WAIT.
   */
  waitReplicas?: number;
  waitTimeoutMs?: number;
  idempotencyTtlMs: number;
  /**
   * How long a signed request's `webhook-id` is remembered, so a retry gets its order (default:
   * as long as an explicit idempotency key; Standard Webhooks senders retry for hours).
   */
  signatureReplayTtlMs?: number;
  /** The deliveries log's bounds (entries kept per webhook, max age); absent or 0 entries: off. */
  deliveryLog?: { maxEntries: number; maxAgeMs: number };
  /**
   * Alerts of one shard admitted by one script call at most (default `ADMISSION_BATCH_MAX`): the
   * bound on how long one call keeps Redis from everything else.
   */
  maxBatch?: number;
}

/**
 * Redis instructions per admission (`test/admission-callgrind.ts --batch N`, ADR 5) fall from
 * ~310k alone to ~237k at 8 a call, ~232k at 16, ~229k at 32 and ~228k at 64: past 32 a longer
 * call (~7M instructions, a few ms in which Redis serves nothing else) buys almost nothing.
 */
export const ADMISSION_BATCH_MAX = 32;

/**
 * What a request means: the same body through another webhook, or for another account, is
 * another order. Hashing the body hash (not the body again) keeps the second hash to ~120 bytes.
 */
export function requestFingerprint(webhookId: string, accountId: string, bodyHash: string): string {
  return hash("sha256", `${webhookId}|${accountId}|${bodyHash}`, "base64");
}

export interface Admission {
  /** Admits and queues the request's job in one atomic script, or says why not. */
  admit(request: AdmitRequest): Promise<AdmitResult>;
}

/** Fewer replicas than REDIS_WAIT_REPLICAS acknowledged an accepted job in time. */
export class ReplicationTimeoutError extends Error {
  constructor(wanted: number, got: number) {
    super(`${got} of ${wanted} Redis replicas acknowledged the job in time`);
    this.name = "ReplicationTimeoutError";
  }
}

/**
 * A request's own admission arguments, in the script's order (see `admitLua`): its four keys and
 * its eleven arguments — as strings, or encoded (`EncodedArguments`) for the pre-encoded path.
 */
interface AdmitArguments<C = readonly string[]> {
  /** Idempotency, rate, seen and deliveries keys. */
  keys: C;
  /**
   * Fingerprint, order id, key ttl, interval, burst, seen ttl, job JSON, timestamp, body hash,
   * deliveries log entries kept, deliveries entry.
   */
  args: C;
}

/**
 * A batch's KEYS then ARGV (see `admitLua`): the shard's constant keys and arguments once, each
 * request's own after them, in the batch's order — runs that the sending path flattens (ioredis
 * its arrays, the pre-encoded script its encoded runs).
 */
function batchArguments<C>(batch: readonly AdmitArguments<C>[], constants: AdmitArguments<C>): C[] {
  // Sized once: pushes would grow it to 17 slots and then copy it.
  const n = batch.length;
  const all = new Array<C>(2 * n + 2);
  all[0] = constants.keys;
  all[n + 1] = constants.args;
  for (let i = 0; i < n; i++) {
    all[i + 1] = batch[i]!.keys;
    all[n + 2 + i] = batch[i]!.args;
  }
  return all;
}

interface AdmitCommands {
  orderhookAdmit(keyCount: number, ...args: (readonly string[])[]): Promise<string[]>;
  orderhookPreviousShard(...args: string[]): Promise<[string, string?]>;
}

/**
 * The connection that ran a script touching `key`: the client itself on a single node; on a
 * cluster, the connection of the master holding the key's slot — the one the cluster client
 * sent the script over, so a WAIT on it counts that script's writes.
 */
function connectionFor(client: RedisClient, key: string): Redis | undefined {
  if (!isCluster(client)) return client;
  const master = client.slots[keySlot(key)]?.[0];
  return client.nodes("master").find((node) => `${node.options.host}:${node.options.port}` === master);
}

/**
 * The receiver's one Redis round trip per alert, shared by the alerts of a shard that one
 * event-loop turn started (`createTurnBatches`). `queues` (one per shard, in shard order)
 * supply BullMQ's key layout and default job options (captured once, see
 * `captureJobAddTemplate`); they send nothing themselves.
 */
export function createAdmission(
  redis: RedisClient,
  queues: OrderQueue | readonly OrderQueue[],
  options: AdmissionOptions,
): Admission {
  const { prefix, idempotencyTtlMs, signatureReplayTtlMs = idempotencyTtlMs, deliveryLog } = options;
  const { waitReplicas = 0, waitTimeoutMs = 250, maxBatch = ADMISSION_BATCH_MAX } = options;
  const shards = options.shards ?? queueShards(prefix, 1);
  // Throws here, so the receiver does not start, if BullMQ's add is not laid out as expected.
  const shardQueues: readonly OrderQueue[] = Array.isArray(queues) ? queues : [queues as OrderQueue];
  const templates = shardQueues.map((queue) => captureJobAddTemplate(queue));
  if (templates.length !== shards.prefixes.length) {
    throw new Error(`${templates.length} queues for ${shards.prefixes.length} shards`);
  }
  // Every shard's queue has the same job options; only its keys differ.
  const lua = admitLua(templates[0]!.optsJson);
  redis.defineCommand("orderhookPreviousShard", { numberOfKeys: 2, lua: PREVIOUS_SHARD_LUA });
  const commands = redis as unknown as AdmitCommands;
  // On a cluster an empty key would hash to slot 0, not the shard's: an unsigned request names
  // a key of its shard there and says "unsigned" with a replay ttl of 0.
  const cluster = isCluster(redis);
  const unsignedKey = cluster ? (shardPrefix: string) => shardKey(shardPrefix, "sig") : () => "";

  // Explicit keys are the owner's (one key, one order, whichever webhook or account); without
  // one, the fingerprint is the key, so body-hash deduplication is per webhook and account.
  const idempotencyKey = (shardPrefix: string, { job }: AdmitRequest, fingerprint: string) =>
    job.idempotencyKey === null
      ? `${userKey(shardPrefix, job.userId, "idem")}:h:${fingerprint}`
      : `${userKey(shardPrefix, job.userId, "idem")}:k:${job.idempotencyKey}`;
  const seenKey = (shardPrefix: string, r: AdmitRequest) =>
    r.signature === null
      ? unsignedKey(shardPrefix)
      : shardKey(shardPrefix, "sig", r.signature.webhookId, r.signature.messageId);
  const logOn = deliveryLog !== undefined && deliveryLog.maxEntries > 0;
  const logMax = String(deliveryLog?.maxEntries ?? 0);
  const logAge = String(deliveryLog?.maxAgeMs ?? 0);
  const deliveryKey = (shardPrefix: string, { job, delivery }: AdmitRequest) =>
    logOn && delivery ? deliveryStreamKey(shardPrefix, job.userId, job.webhookId) : "";
  // A window of 0 turns body-hash deduplication off: the script then neither reads nor writes the key.
  const keyTtl = ({ job, dedupWindowMs }: AdmitRequest) =>
    String(job.idempotencyKey === null ? dedupWindowMs : idempotencyTtlMs);

  /**
   * The admissions of a turn, one call of the admission script per shard (`batchArguments`). A
   * single node gets it pre-encoded (`createEncodedScript`): the shard's constants encoded once,
   * and each request's arguments encoded when it is added — so that what waits for the turn's
   * end is two flat strings, not the job JSON's string pieces, which each scavenge in between
   * would copy. A cluster client, which routes each command by its first key (the shard's wait
   * list: every key of a batch carries the shard's hash tag, so a batch is one slot's), sends it
   * through ioredis's defined command, told the key count per call.
   */
  const batches = cluster
    ? (() => {
        redis.defineCommand("orderhookAdmit", { lua });
        const constants = templates.map((t) => ({
          keys: t.keys,
          args: [t.keyPrefix, t.optsJson, t.name, logAge],
        }));
        return turnBatches(
          (a: AdmitArguments) => a,
          (shard, batch) =>
            commands.orderhookAdmit(
              ADMIT_SHARD_KEYS + ADMIT_ALERT_KEYS * batch.length,
              ...batchArguments(batch, constants[shard]!),
            ),
        );
      })()
    : (() => {
        const script = createEncodedScript(redis, lua);
        const constants = templates.map((t) => ({
          keys: encodeArguments(t.keys),
          args: encodeArguments([t.keyPrefix, t.optsJson, t.name, logAge]),
        }));
        return turnBatches(
          (a: AdmitArguments) => ({ keys: encodeArguments(a.keys), args: encodeArguments(a.args) }),
          (shard, batch) =>
            script.run(
              ADMIT_SHARD_KEYS + ADMIT_ALERT_KEYS * batch.length,
              batchArguments(batch, constants[shard]!),
            ) as Promise<string[]>,
        );
      })();

  /** Batches of a turn's requests in the form `prepare` gives them, sent by `send`. */
  function turnBatches<P>(
    prepare: (a: AdmitArguments) => P,
    send: (shard: number, batch: readonly P[]) => Promise<string[]>,
  ): { add(shard: number, a: AdmitArguments): Promise<AdmitResult> } {
    const batches = createTurnBatches<P, AdmitResult>(
      (shard, batch) => {
        const results = send(shard, batch).then(outcomes);
        return waitReplicas === 0 ? results : results.then((admitted) => replicated(shard, admitted));
      },
      {
        maxBatch,
        // A single node's batches of a turn leave in one socket write: each write on loopback
        // also runs Redis's side of TCP (ADR 5). A cluster client writes to one socket per node,
        // found per command: nothing to cork.
        together: cluster ? undefined : corked,
      },
    );
    return { add: (shard, a) => batches.add(shard, prepare(a)) };
  }

  function corked(sendAll: () => void): void {
    // Read each time: ioredis replaces the socket when it reconnects. Only on a single node.
    const node = redis as Redis;
    const stream = node.stream;
    if (stream === undefined || stream === null || node.status !== "ready") {
      sendAll();
      return;
    }
    stream.cork();
    try {
      sendAll();
    } finally {
      stream.uncork();
    }
  }

  /** The batch's outcomes once the replicas hold its writes; failed for the ones that wrote or replayed. */
  async function replicated(
    shard: number,
    results: (AdmitResult | Error)[],
  ): Promise<(AdmitResult | Error)[]> {
    if (!results.some(waitsForReplicas)) return results;
    try {
      await waitForReplicas(templates[shard]!.keys[0]!);
      return results;
    } catch (error) {
      const failed = error instanceof Error ? error : new Error(String(error));
      return results.map((result) => (waitsForReplicas(result) ? failed : result));
    }
  }

  /** During a shard change: what the user's old shard knows of this request, if anything. */
  async function inPreviousShard(r: AdmitRequest, fingerprint: string): Promise<AdmitResult | null> {
    const previous = shards.previousOf(r.job.userId);
    if (previous === null) return null;
    const old = shards.prefixes[previous]!;
    const [code, value] = await commands.orderhookPreviousShard(
      idempotencyKey(old, r, fingerprint),
      r.signature === null ? shardKey(old, "sig") : seenKey(old, r),
      fingerprint,
      r.bodyHash,
      keyTtl(r),
      r.signature === null ? "0" : "1",
    );
    if (code === "N") return null;
    const result = outcome(code, value);
    if (result instanceof Error) throw result;
    return result;
  }

  async function waitForReplicas(key: string): Promise<void> {
    const connection = connectionFor(redis, key);
    const acknowledged = connection === undefined ? 0 : await connection.wait(waitReplicas, waitTimeoutMs);
    if (acknowledged < waitReplicas) throw new ReplicationTimeoutError(waitReplicas, acknowledged);
  }

  return {
    // Not async: the batch's promise is the request's, without another one wrapped around it.
    admit(r) {
      const fingerprint = requestFingerprint(r.job.webhookId, r.job.accountId, r.bodyHash);
      if (shards.previous === 0) return admitInShard(r, fingerprint);
      return inPreviousShard(r, fingerprint).then((found) => found ?? admitInShard(r, fingerprint));
    },
  };

  function admitInShard(r: AdmitRequest, fingerprint: string): Promise<AdmitResult> {
    const interval = 1000 / r.rate;
    const shard = shards.of(r.job.userId);
    const shardPrefix = shards.prefixes[shard]!;
    const rateKey = userKey(shardPrefix, r.job.userId, "rate");
    // On a cluster an unlogged request names a key of its shard with 0 entries, not "".
    let logKey = deliveryKey(shardPrefix, r);
    let logEntries = logMax;
    if (logKey === "" && cluster) {
      logKey = shardKey(shardPrefix, "deliveries");
      logEntries = "0";
    }
    return batches.add(shard, {
      keys: [idempotencyKey(shardPrefix, r, fingerprint), rateKey, seenKey(shardPrefix, r), logKey],
      args: [
        fingerprint,
        r.job.orderId,
        keyTtl(r),
        String(interval),
        // `burst` alerts may arrive at once; at the default (burst = rate, one second's worth) a
        // burst of 2N in a second is about half refused.
        String(interval * r.burst),
        String(r.signature === null && cluster ? 0 : signatureReplayTtlMs),
        r.jobJson ?? JSON.stringify(r.job),
        String(r.job.receivedAt),
        r.bodyHash,
        logEntries,
        r.delivery ?? "",
      ],
    });
  }
}

/** A call's reply as its requests' outcomes: each one's code, then its value if the code has one. */
function outcomes(replies: string[]): (AdmitResult | Error)[] {
  if (!Array.isArray(replies)) throw new Error(`unexpected admission reply ${String(replies)}`);
  const results: (AdmitResult | Error)[] = [];
  for (let i = 0; i < replies.length; ) {
    const code = replies[i++]!;
    results.push(outcome(code, code === "A" || code === "F" || code === "M" ? undefined : replies[i++]));
  }
  return results;
}

/** An outcome that REDIS_WAIT_REPLICAS must see replicated before it is answered. */
function waitsForReplicas(result: AdmitResult | Error): boolean {
  return !(result instanceof Error) && (result.outcome === "accepted" || result.outcome === "replay");
}

/** One request's reply as its outcome, or as the error its request fails with (a 503). */
function outcome(code: string, value: string | undefined): AdmitResult | Error {
  switch (code) {
    case "A":
      return { outcome: "accepted" };
    case "R":
      return { outcome: "replay", orderId: value! };
    case "F":
      return { outcome: "in_flight" };
    case "M":
      return { outcome: "key_reused" };
    case "L":
      return { outcome: "rate_limited", retryAfterMs: Number(value) };
    case "E":
      // Nothing was written: the arguments were refused, or BullMQ's add returned an error code.
      return new Error(`admission refused before queuing anything: ${value ?? "no reason"}`);
    case "X":
      // This request's step failed in Redis; the batch's other requests were not touched.
      return new Error(`admission failed in Redis, the job may have been queued: ${value ?? "no reason"}`);
    default:
      return new Error(`unexpected admission reply ${code} ${value ?? ""}`.trim());
  }
}
